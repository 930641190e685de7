"""The `coord_chunker` pipeline component."""

import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import numpy
import torch
from spacy.errors import Errors as SpacyErrors
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import minibatch
from thinc.api import Config, Model, Optimizer, set_dropout_rate

from . import serialization
from .constraints import constrain_emissions
from .decoding import decode_argmax, decode_with_confidences, marginals
from .domain import get_domain
from .errors import Errors
from .gate import gated_batches, passing
from .gold import gold_tags, soft_tags
from .models import CoordBatch, TagScores
from .models.content import content_tokens
from .names import NameLexicon
from .parallelism import token_unit_vectors
from .scoring import score_coord
from .tags import GROUPS_KEY, SPANS_KEY, TAGS, B, fill_whitespace, tags_to_spans

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy-coord.CoordTagger.v1"

[model.encoder]
@architectures = "spacy-coord.BiLSTMEncoder.v1"
width = 128
depth = 1

[model.encoder.embed]
@architectures = "spacy-coord.WordEmbedding.v1"
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [5000, 1000, 2500, 500]
width = 64
char_width = 32
max_chars = 16
char_rows = 512
vectors_width = 0

[model.head]
@architectures = "spacy-coord.CRFHead.v1"
width = ${model.encoder.width}
decoder = "crf"
n_domains = 0
adversarial_weight = 0.0
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]
# Settings of decoding: changing them on a trained pipeline needs no retraining.
DECODING_SETTINGS = ("parallelism_weight", "similarity_weight")


@Language.factory(
    "coord_chunker",
    assigns=["doc.spans"],
    default_config={
        "model": DEFAULT_MODEL,
        "spans_key": SPANS_KEY,
        "groups_key": GROUPS_KEY,
        "parallelism_weight": 0.5,
        "similarity_weight": 3.0,
        "soft_target_weight": 1.0,
        "gate": True,
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
    parallelism_weight: float,
    similarity_weight: float,
    soft_target_weight: float,
    gate: bool,
    scorer: Optional[Callable],
) -> "CoordChunker":
    """Create a CoordChunker: finds coordinations and their conjuncts.

    nlp (Language): The pipeline the component is added to.
    name (str): The component's name in the pipeline.
    model (Model): Tag scores over B/I/C/O tags, such as spacy-coord.CoordTagger.v1.
    spans_key (str): `doc.spans` key of the conjuncts (label CONJUNCT).
    groups_key (str): `doc.spans` key of the coordinations (label COORDINATION).
    parallelism_weight (float): Conjuncts of one coordination are alike in
        length ("monday | wednesday | friday", not "monday wednesday |
        friday"): decoding rescores the CRF's 4 best tag sequences by their
        score minus this weight times how far each conjunct's length is
        from the median of its coordination. 0 keeps the best sequence.
    similarity_weight (float): Conjuncts are alike in their last words, the
        heads of English phrases ("[italian] or [mexican] restaurants"): the
        rescoring also subtracts this weight times 1 minus the cosine of
        the static vectors of neighbouring conjuncts' last words. No effect
        without static vectors.
    soft_target_weight (float): In training, for docs that carry a
        teacher's tag probabilities (`spacy_coord.soft_targets`, written by
        scripts/teach.py), the weight of the cross-entropy of the model's tag
        marginals against them, beside the likelihood of the gold tags. 0
        learns from the gold (or the teacher's best) tags alone.
    gate (bool): Run the network only on docs that hold a conjunction word
        (`spacy_coord.gate`); the others get empty span groups at once.
        False runs it on every doc.
    scorer (Optional[Callable]): The scoring method.
    RETURNS (CoordChunker): The component.
    """
    return CoordChunker(
        nlp.vocab,
        model,
        name,
        spans_key=spans_key,
        groups_key=groups_key,
        parallelism_weight=parallelism_weight,
        similarity_weight=similarity_weight,
        soft_target_weight=soft_target_weight,
        gate=gate,
        scorer=scorer,
    )


# Prediction: per doc, tag ids and the confidence of each tag.
Predictions = Tuple[List[numpy.ndarray], List[numpy.ndarray]]


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
        parallelism_weight: float,
        similarity_weight: float,
        soft_target_weight: float,
        gate: bool = True,
        scorer: Optional[Callable] = score_coord,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): The shared vocabulary.
        model (Model): The Thinc model scoring tags.
        name (str): The component instance name, used as key in the losses.
        spans_key (str): `doc.spans` key of the conjuncts.
        groups_key (str): `doc.spans` key of the coordinations.
        parallelism_weight (float): See `make_coord_chunker`.
        similarity_weight (float): See `make_coord_chunker`.
        soft_target_weight (float): See `make_coord_chunker`.
        gate (bool): See `make_coord_chunker`.
        scorer (Optional[Callable]): The scoring method.
        """
        for setting, value in (("spans_key", spans_key), ("groups_key", groups_key)):
            if not isinstance(value, str) or not value:
                raise ValueError(
                    Errors.E001.format(name=name, setting=setting, expected="a non-empty string", value=value)
                )
        if spans_key == groups_key:
            raise ValueError(Errors.E002.format(key=spans_key))
        if not isinstance(gate, bool):
            raise ValueError(Errors.E001.format(name=name, setting="gate", expected="true or false", value=gate))
        weights = {
            "parallelism_weight": parallelism_weight,
            "similarity_weight": similarity_weight,
            "soft_target_weight": soft_target_weight,
        }
        for setting, value in weights.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ValueError(Errors.E001.format(name=name, setting=setting, expected="a number >= 0", value=value))
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        # "domains": the domain labels the adversarial head tells apart.
        self.cfg: Dict[str, Any] = {
            "spans_key": spans_key,
            "groups_key": groups_key,
            "parallelism_weight": float(parallelism_weight),
            "similarity_weight": float(similarity_weight),
            "soft_target_weight": float(soft_target_weight),
            "gate": gate,
            "domains": [],
        }
        # The settings as the config gives them: loading restores what
        # training learned (domains), not older settings.
        self._settings = {name: self.cfg[name] for name in ("spans_key", "groups_key", "gate", *weights)}
        self._names = NameLexicon()
        self._pid = os.getpid()

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

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Annotate a stream of docs in batches, in order. With the gate on,
        a batch holds up to `batch_size` docs that pass it and the docs
        between them (`gate.gated_batches`), so that the network sees full
        batches where few utterances hold a conjunction word.

        stream (Iterable[Doc]): The docs.
        batch_size (int): The most docs the network sees at once.
        YIELDS (Doc): The docs, annotated.
        """
        error_handler = self.get_error_handler()
        batches = gated_batches(stream, batch_size) if self.cfg["gate"] else minibatch(stream, size=batch_size)
        for docs in batches:
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as error:
                error_handler(self.name, self, docs, error)

    def predict(self, docs: Iterable[Doc]) -> Predictions:
        """Predict tags for a batch of docs without modifying them: the
        model's tag scores, decoded under the constraints that keep known
        names and spoken numbers whole. With the gate on, only the docs that
        hold a conjunction word go through the model, in one batch.

        docs (Iterable[Doc]): The documents.
        RETURNS (Predictions): Per doc, tag ids and the confidence of each tag.
        """
        return self.predict_tag_probs(docs, with_probs=False)[0]

    def predict_tag_probs(
        self, docs: Iterable[Doc], *, with_probs: bool = True
    ) -> Tuple[Predictions, Optional[List[numpy.ndarray]]]:
        """`predict`, and each tag's probability per token under the CRF and
        the same constraints (forward-backward): what a teacher gives a
        student as soft targets (`spacy_coord.soft_targets`).

        docs (Iterable[Doc]): The documents.
        with_probs (bool): Compute the probabilities (else None).
        RETURNS (Tuple[Predictions, Optional[List[numpy.ndarray]]]): The
            predictions, and per doc (len(doc), n_tags) probabilities.
        """
        if not self.model.has_dim("nO"):
            raise ValueError(SpacyErrors.E109.format(name=self.name))
        self._limit_threads_after_fork()
        docs = list(docs)
        tags = [numpy.zeros((len(doc),), dtype="int64") for doc in docs]
        confidences = [numpy.ones((len(doc),), dtype="float32") for doc in docs]
        probs = [numpy.eye(len(TAGS), dtype="float32")[tag] for tag in tags] if with_probs else None
        # The network sees only the docs that can hold a coordination; the
        # others keep all-O tags, as an empty doc does.
        rows = passing(docs) if self.cfg["gate"] else [i for i, doc in enumerate(docs) if len(doc)]
        rows = [i for i in rows if len(content_tokens(docs[i]))]
        if not rows:
            return (tags, confidences), probs
        # The model scores the content tokens (all but whitespace, see
        # models.content); whitespace tokens get the tags their neighbours imply.
        kept = [docs[i] for i in rows]
        content = [content_tokens(doc) for doc in kept]
        scores = self.model.predict(kept)
        scores = scores._replace(emissions=constrain_emissions(scores.emissions, kept, content, self._names))
        best, best_probs = self._decode(scores, kept, content)
        if with_probs:
            all_probs = marginals(scores.emissions, scores.lengths, scores.transitions, scores.start, scores.end)
        for row, i in enumerate(rows):
            tokens = content[row]
            tags[i] = fill_whitespace(best[row, : len(tokens)], tokens, len(docs[i]))
            confidences[i][tokens] = best_probs[row, : len(tokens)]
            if probs is not None:
                probs[i] = numpy.eye(len(TAGS), dtype="float32")[tags[i]]
                probs[i][tokens] = all_probs[row, : len(tokens)]
        return (tags, confidences), probs

    def _decode(
        self, scores: TagScores, docs: List[Doc], content: List[numpy.ndarray]
    ) -> Tuple[numpy.ndarray, numpy.ndarray]:
        """Tag ids and confidences, (n_docs, length), of the `content` tokens
        of `docs` from their (constrained) scores."""
        emissions = scores.emissions
        crf = (emissions, scores.lengths, scores.transitions, scores.start, scores.end)
        if scores.normalized:
            return decode_argmax(*crf)
        similarity_weight = self.cfg["similarity_weight"]
        unit_vectors = token_unit_vectors(docs, content, emissions.shape[1]) if similarity_weight else None
        similarity_weight = similarity_weight if unit_vectors is not None else 0.0  # no vectors: no likeness
        return decode_with_confidences(*crf, B, self.cfg["parallelism_weight"], similarity_weight, unit_vectors)

    def _limit_threads_after_fork(self) -> None:
        """In a process forked from the one that made the component (the
        workers of `nlp.pipe(n_process=...)`), run torch on one thread: the
        parent's thread pool does not survive the fork, and a child that
        uses it hangs."""
        if os.getpid() != self._pid:
            torch.set_num_threads(1)
            self._pid = os.getpid()

    def set_annotations(self, docs: Iterable[Doc], predictions: Predictions) -> None:
        """Write conjuncts and coordinations into `doc.spans`.

        docs (Iterable[Doc]): The documents to modify.
        predictions (Predictions): The output of `predict`.
        """
        for doc, tag_ids, confidences in zip(docs, *predictions):
            conjuncts, scores, groups = tags_to_spans(doc, tag_ids.tolist(), confidences)
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
        """Learn from a batch of examples: the model gets the docs with their
        gold and gives its loss (see `get_loss`).

        examples (Iterable[Example]): A batch of examples.
        drop (float): The dropout rate of the encoder.
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
        model_losses, backprop = self.model.begin_update(self._training_batch(examples))
        loss, d_loss = self.get_loss(examples, model_losses)
        backprop(d_loss)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores: Tuple[float, float]) -> Tuple[float, float]:
        """Find the loss and gradient of loss for the batch of examples and
        the model's output on them.

        Unlike spaCy's taggers, the model's output in training is its loss,
        not tag scores: the CRF's likelihood of the gold tags sums over all
        tag sequences under the transition weights it learns, the soft
        targets compare the CRF's marginals with a teacher's, and the
        adversarial head reverses its gradient into the encoder. All three
        need the gold inside the torch module (`update` passes it in a
        `CoordBatch`), where autograd gives the gradient of every weight. So
        the loss here is the model's, averaged per doc, and the gradient is
        that of the average with respect to the model's summed losses.

        examples (Iterable[Example]): The batch.
        scores (Tuple[float, float]): The model's tagging and adversarial
            losses, each summed over the batch's non-empty docs.
        RETURNS (Tuple[float, float]): The loss per doc, and its gradient
            with respect to each of the summed losses.
        """
        n_docs = max(1, sum(1 for eg in examples if len(eg.predicted)))
        return float(sum(scores)) / n_docs, 1.0 / n_docs

    def _training_batch(self, examples: List[Example]) -> CoordBatch:
        """The model's input in training: the docs with their gold tags,
        domains and, where a doc has some, a teacher's tag probabilities."""
        spans_key, groups_key = self.cfg["spans_key"], self.cfg["groups_key"]
        # The forward-backward of the soft targets' loss only where a doc has some.
        soft = [soft_tags(eg) for eg in examples] if self.cfg["soft_target_weight"] else []
        return CoordBatch(
            [eg.predicted for eg in examples],
            tags=[gold_tags(eg, spans_key, groups_key) for eg in examples],
            domains=[self._domain_id(eg.reference) for eg in examples],
            soft_tags=soft if any(probs.any() for probs in soft) else None,
            soft_weight=self.cfg["soft_target_weight"],
        )

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        names: Optional[Iterable[str]] = None,
    ) -> None:
        """Initialize the model and collect the domain labels of the data.

        get_examples (Callable[[], Iterable[Example]]): Returns gold examples.
        nlp (Optional[Language]): The pipeline the component belongs to.
        names (Optional[Iterable[str]]): Names with "and" inside to keep
            whole (see `add_names`), e.g. from `spacy.read_labels.v1`.
        """
        validate_get_examples(get_examples, "CoordChunker.initialize")
        sample: List[Doc] = []
        domains = set()
        for eg in get_examples():
            domain = get_domain(eg.reference)
            if domain is not None:
                domains.add(domain)
            if len(sample) < 10:
                sample.append(eg.predicted)
        n_domains = self.model.attrs.get("n_domains", 0)
        if n_domains and len(domains) > n_domains:
            raise ValueError(Errors.E003.format(found=len(domains), size=n_domains))
        self.cfg["domains"] = sorted(domains) if n_domains else []
        self._names = NameLexicon(names or [])
        self.model.initialize(X=sample or None)

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """Serialize the component to a bytestring: cfg, vocab, model and the
        names kept whole (`spacy_coord.serialization`).

        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (bytes): The serialized component.
        """
        self._validate_serialization_attrs()
        return serialization.to_bytes(self, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "CoordChunker":
        """Load the component from a bytestring. Raises a ValueError (E023)
        naming the component when the bytes are damaged.

        bytes_data (bytes): The data, from `to_bytes`.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (CoordChunker): The loaded component.
        """
        self._validate_serialization_attrs()
        self._restore(serialization.from_bytes(self, bytes_data, exclude))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Save the component to a directory: cfg, vocab, model and the names
        kept whole in names.json (`spacy_coord.serialization`).

        path (Union[str, Path]): The directory, created if missing.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        """
        self._validate_serialization_attrs()
        serialization.to_disk(self, Path(path), exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "CoordChunker":
        """Load the component from a directory. Raises a ValueError naming the
        file when one of the component's files is missing (E007) or damaged (E023).

        path (Union[str, Path]): The directory, from `to_disk`.
        exclude (Iterable[str]): String names of serialization fields to exclude.
        RETURNS (CoordChunker): The loaded component.
        """
        self._validate_serialization_attrs()
        self._restore(serialization.from_disk(self, Path(path), exclude))
        return self

    def _restore(self, names: Optional[List[str]]) -> None:
        """After loading: the config's settings over the saved ones, and the
        saved names (unchanged when the saved data holds none)."""
        self.cfg.update(self._settings)
        names = serialization.saved_names(self.cfg, names)
        if names is not None:
            self._names = NameLexicon(names)

    def _domain_id(self, doc: Doc) -> int:
        domain = get_domain(doc)
        domains = self.cfg["domains"]
        return domains.index(domain) if domain in domains else -1
