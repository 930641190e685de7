"""The `coord_chunker` pipeline component."""
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.errors import Errors
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, SpanGroup
from spacy.training import Example, validate_examples, validate_get_examples
from thinc.api import Config, Model, Optimizer, set_dropout_rate

from .domain import get_domain
from .models.bilstm_crf import CoordBatch, Predictions
from .names import NameLexicon
from .scoring import score_coord
from .tags import (
    GROUPS_KEY,
    SPANS_KEY,
    TAG_IDS,
    TAGS,
    coordination_types,
    is_valid,
    spans_to_tags,
    tags_to_spans,
)

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy-coord.BiLSTMCRFTagger.v1"
width = 128
depth = 1
dropout = 0.2
embed_attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
embed_rows = [5000, 1000, 2500, 500]
embed_width = 64
char_width = 32
max_chars = 16
char_rows = 512
vectors_width = 0
vector_tuning_rows = 0
neighbor_similarity = false
coordination_similarity = false
word_dropout = 0.0
decoder = "crf"
n_domains = 0
adversarial_weight = 0.0
syntax_attr = ""
n_syntax_labels = 0
syntax_weight = 0.0
conjunct_types = 1
parallelism_weight = 0.5
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]
# Where each token starts and how long it is: equal arrays, equal tokenization.
_CHAR_OFFSETS = [IDX, LENGTH]


@Language.factory(
    "coord_chunker",
    assigns=["doc.spans"],
    default_config={
        "model": DEFAULT_MODEL,
        "spans_key": SPANS_KEY,
        "groups_key": GROUPS_KEY,
        "scorer": {"@scorers": "spacy-coord.coord_scorer.v1"},
    },
    default_score_weights={
        "spans_coord_f": 0.5,
        "spans_coord_exact": 0.5,
        "spans_coord_p": 0.0,
        "spans_coord_r": 0.0,
    },
)
def make_coord_chunker(
    nlp: Language,
    name: str,
    model: Model,
    spans_key: str,
    groups_key: str,
    scorer: Optional[Callable],
) -> "CoordChunker":
    """Create a CoordChunker: finds coordinations and their conjuncts.

    nlp (Language): The pipeline the component is added to.
    name (str): The component's name in the pipeline.
    model (Model): A tagger over B/I/C/O tags, such as
        spacy-coord.BiLSTMCRFTagger.v1.
    spans_key (str): `doc.spans` key of the conjuncts (label CONJUNCT).
    groups_key (str): `doc.spans` key of the coordinations (label COORDINATION).
    scorer (Optional[Callable]): The scoring method.
    RETURNS (CoordChunker): The component.
    """
    return CoordChunker(nlp.vocab, model, name, spans_key=spans_key, groups_key=groups_key, scorer=scorer)


class CoordChunker(TrainablePipe):
    """Mark coordinations and their conjuncts in `doc.spans`.

    "add bananas peanut butter and paper towels to my list" gets the conjuncts
    "bananas", "peanut butter", "paper towels" under `spans_key`, with one
    confidence each in `doc.spans[spans_key].attrs["scores"]`, and the
    coordination "bananas peanut butter and paper towels" under `groups_key`.
    """

    def __init__(
        self,
        vocab,
        model: Model,
        name: str = "coord_chunker",
        *,
        spans_key: str = SPANS_KEY,
        groups_key: str = GROUPS_KEY,
        scorer: Optional[Callable] = score_coord,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): The shared vocabulary.
        model (Model): The Thinc model predicting tags.
        name (str): The component instance name, used as key in the losses.
        spans_key (str): `doc.spans` key of the conjuncts.
        groups_key (str): `doc.spans` key of the coordinations.
        scorer (Optional[Callable]): The scoring method.
        """
        for setting, value in (("spans_key", spans_key), ("groups_key", groups_key)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"[coord_chunker] setting '{setting}' must be a non-empty string, got {value!r}")
        if spans_key == groups_key:
            raise ValueError(
                f"[coord_chunker] settings 'spans_key' and 'groups_key' must differ, both are {spans_key!r}"
            )
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        # "domains": the domain labels the adversarial head tells apart;
        # "syntax_labels": the labels the auxiliary syntax head predicts;
        # "names": names with "and" inside, kept whole (see add_names).
        self.cfg: Dict[str, Any] = {
            "spans_key": spans_key, "groups_key": groups_key, "domains": [], "syntax_labels": [], "names": []
        }
        self._names = NameLexicon()

    @property
    def labels(self) -> Tuple[str, ...]:
        """The tags the model predicts per token."""
        return TAGS

    @property
    def names(self) -> List[str]:
        """The names with a coordinator inside that are kept whole."""
        return self._names.names

    def add_names(self, names: Iterable[str]) -> None:
        """Keep these names whole: "and" inside them never joins two
        conjuncts ("play simon and garfunkel"), whatever the model would say.
        Matching ignores case and punctuation ("Earth, Wind & Fire" matches
        "earth wind and fire"). Names without a coordinator inside are skipped.

        names (Iterable[str]): The names, e.g. an app's catalog of artists.
        """
        self._names.add(names)
        self.cfg["names"] = self._names.names

    def predict(self, docs: Iterable[Doc]) -> Predictions:
        """Predict tags for a batch of docs without modifying them.

        docs (Iterable[Doc]): The documents.
        RETURNS (Predictions): Per doc, tag ids and the confidence of each tag.
        """
        if not self.model.has_dim("nO"):
            raise ValueError(Errors.E109.format(name=self.name))
        docs = list(docs)
        forbidden = [self._names.forbidden_tags(doc) for doc in docs] if len(self._names) else None
        return self.model.predict(CoordBatch(docs, forbidden=forbidden))

    def set_annotations(self, docs: Iterable[Doc], predictions: Predictions) -> None:
        """Write conjuncts and coordinations into `doc.spans`.

        docs (Iterable[Doc]): The documents to modify.
        predictions (Predictions): The output of `predict`.
        """
        for doc, tag_ids, confidences in zip(docs, *predictions):
            conjuncts, scores, groups = tags_to_spans(
                doc, self.model.ops.to_numpy(tag_ids).tolist(), self.model.ops.to_numpy(confidences)
            )
            doc.spans[self.cfg["spans_key"]] = conjuncts
            doc.spans[self.cfg["spans_key"]].attrs["scores"] = numpy.asarray(scores, dtype="float32")
            doc.spans[self.cfg["groups_key"]] = groups

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Learn from a batch of examples.

        The CRF likelihood is computed inside the PyTorch module from the gold
        tags, so the model's output in training is the loss itself.

        examples (Iterable[Example]): A batch of examples.
        drop (float): The dropout rate (the module's own dropout is set in its config).
        sgd (Optional[Optimizer]): The optimizer.
        losses (Optional[Dict[str, float]]): Record of the loss, updated under the
            component's name.
        RETURNS (Dict[str, float]): The updated losses.
        """
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_examples(examples, "CoordChunker.update")
        if not any(len(eg.predicted) for eg in examples):
            return losses
        set_dropout_rate(self.model, drop)
        batch = CoordBatch(
            [eg.predicted for eg in examples],
            tags=[self._gold_tags(eg) for eg in examples],
            domains=[self._domain_id(eg.reference) for eg in examples],
            syntax=self._gold_syntax(examples) if self.cfg.get("syntax_labels") else None,
            types=[self._gold_types(eg) for eg in examples] if self.model.attrs.get("conjunct_types", 1) > 1 else None,
        )
        model_losses, backprop = self.model.begin_update(batch)
        loss, d_loss = self.get_loss(examples, model_losses)
        backprop(d_loss)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Tuple[float, float]) -> Tuple[float, float]:
        """Total loss of a batch and the gradient scale that averages it per doc.

        examples (Iterable[Example]): The batch.
        scores (Tuple[float, float]): The model's tagging and auxiliary losses.
        RETURNS (Tuple[float, float]): The loss and d(mean loss)/d(loss).
        """
        n_docs = max(1, sum(1 for eg in examples if len(eg.predicted)))
        return float(sum(scores)), 1.0 / n_docs

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        names: Optional[Iterable[str]] = None,
    ) -> None:
        """Initialize the model and collect the domain labels of the data and,
        with an auxiliary syntax head, its syntax labels.

        get_examples (Callable[[], Iterable[Example]]): Returns gold examples.
        nlp (Optional[Language]): The pipeline the component belongs to.
        names (Optional[Iterable[str]]): Names with "and" inside to keep
            whole (see `add_names`), e.g. from `spacy.read_labels.v1`.
        """
        validate_get_examples(get_examples, "CoordChunker.initialize")
        sample: List[Doc] = []
        domains = set()
        syntax_attr = self.model.attrs.get("syntax_attr", "")
        syntax_labels = set()
        for eg in get_examples():
            domain = get_domain(eg.reference)
            if domain is not None:
                domains.add(domain)
            if syntax_attr:
                syntax_labels.update(_syntax_values(eg.reference, syntax_attr))
            if len(sample) < 10:
                sample.append(eg.predicted)
        n_domains = self.model.attrs.get("n_domains", 0)
        if n_domains and len(domains) > n_domains:
            raise ValueError(
                f"[coord_chunker] the training data has {len(domains)} domains, but the "
                f"model's setting 'n_domains' is {n_domains}: raise it to at least {len(domains)}."
            )
        self.cfg["domains"] = sorted(domains) if n_domains else []
        self.cfg["syntax_labels"] = self._check_syntax_labels(syntax_labels) if syntax_attr else []
        self._set_names(names or [])
        self.model.initialize(X=sample or None)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "CoordChunker":
        """Load the component from a bytestring; see TrainablePipe.from_bytes."""
        super().from_bytes(bytes_data, exclude=exclude)
        self._set_names(self.cfg.get("names", []))
        return self

    def from_disk(self, path, *, exclude: Iterable[str] = tuple()) -> "CoordChunker":
        """Load the component from a directory; see TrainablePipe.from_disk."""
        super().from_disk(path, exclude=exclude)
        self._set_names(self.cfg.get("names", []))
        return self

    def _set_names(self, names: Iterable[str]) -> None:
        """Replace the names kept whole (the lexicon and its copy in cfg)."""
        self._names = NameLexicon(names)
        self.cfg["names"] = self._names.names

    def _check_syntax_labels(self, found: Set[str]) -> List[str]:
        """The sorted syntax labels of the training data; raises a ValueError
        when there are none or more than the head has room for."""
        attr, size = self.model.attrs["syntax_attr"], self.model.attrs["n_syntax_labels"]
        labels = found - {""}
        if not labels:
            raise ValueError(
                f"[coord_chunker] setting 'syntax_attr' is {attr!r}, but no training doc has "
                f"{attr} annotation: tag or parse the training texts and copy the labels onto the "
                f"reference docs (the project's `make_corpus.py --syntax` does), or set syntax_attr = \"\"."
            )
        if len(labels) > size:
            raise ValueError(
                f"[coord_chunker] the training data has {len(labels)} {attr} labels, but the model's "
                f"setting 'n_syntax_labels' is {size}: raise it to at least {len(labels)}."
            )
        return sorted(labels)

    def _domain_id(self, doc: Doc) -> int:
        domain = get_domain(doc)
        domains = self.cfg["domains"]
        return domains.index(domain) if domain in domains else -1

    def _gold_spans(self, example: Example) -> Optional[Tuple[SpanGroup, Optional[SpanGroup]]]:
        """The reference's conjuncts and coordinations (None: no gold)."""
        reference = example.reference
        if self.cfg["spans_key"] not in reference.spans:
            return None
        return reference.spans[self.cfg["spans_key"]], reference.spans.get(self.cfg["groups_key"]) or None

    def _gold_tags(self, example: Example) -> numpy.ndarray:
        """Gold tag id per predicted token; -1 where unknown or misaligned."""
        gold = self._gold_spans(example)
        if gold is None:
            return _unknown_per_token(example)
        reference = example.reference
        ref_tags = [TAG_IDS[tag] for tag in spans_to_tags(reference, *gold)]
        if not is_valid(ref_tags):
            warnings.warn(
                f"[coord_chunker] skipping gold spans that overlap or nest in {reference.text[:80]!r}"
            )
            ref_tags = [-1] * len(reference)
        return _to_predicted_tokens(example, ref_tags)

    def _gold_types(self, example: Example) -> numpy.ndarray:
        """Coordination type id per predicted token (`coordination_types`); -1 where unknown."""
        gold = self._gold_spans(example)
        if gold is None:
            return _unknown_per_token(example)
        return _to_predicted_tokens(example, coordination_types(example.reference, *gold))

    def _gold_syntax(self, examples: List[Example]) -> List[numpy.ndarray]:
        """Per example, the syntax label id of each predicted token; -1 where
        unknown or misaligned."""
        ids = {label: i for i, label in enumerate(self.cfg["syntax_labels"])}
        attr = self.model.attrs["syntax_attr"]
        return [
            _to_predicted_tokens(eg, [ids.get(value, -1) for value in _syntax_values(eg.reference, attr)])
            for eg in examples
        ]


def _syntax_values(doc: Doc, attr: str) -> List[str]:
    """The string value of a syntax attribute ("POS", "TAG" or "DEP") per token, "" unset."""
    name = attr.lower() + "_"
    return [getattr(token, name) for token in doc]


def _unknown_per_token(example: Example) -> numpy.ndarray:
    """-1 (unknown) for every predicted token."""
    return numpy.full((len(example.predicted),), -1, dtype="int64")


def _to_predicted_tokens(example: Example, ref_values: List[int]) -> numpy.ndarray:
    """Per-reference-token ids moved to the predicted tokens; -1 where a
    token does not align one-to-one."""
    # Tokens match when they cover the same characters in both docs;
    # usually the two tokenizations are the same.
    if numpy.array_equal(example.predicted.to_array(_CHAR_OFFSETS), example.reference.to_array(_CHAR_OFFSETS)):
        return numpy.asarray(ref_values, dtype="int64")
    x2y, y2x = example.alignment.x2y, example.alignment.y2x
    ends = numpy.cumsum(x2y.lengths) - 1
    values = _unknown_per_token(example)
    for i in numpy.flatnonzero(x2y.lengths == 1):
        j = x2y.data[ends[i]]
        if y2x.lengths[j] == 1:
            values[i] = ref_values[j]
    return values
