"""Thinc side of the tagger: the registered architecture, featurization of
docs into padded arrays, and the conversions around the PyTorch module."""
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy
import torch
from spacy.attrs import LOWER, ORTH, intify_attr
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, NumpyOps, PyTorchWrapper_v2, torch2xp, xp2torch
from thinc.util import get_torch_default_device, to_numpy

from ..tags import TAGS, B, C, typed_states
from . import similarity
from .averaging import AveragingPyTorchShim
from .command_verbs import COMMAND_VERB_KEYS
from .pytorch.embeddings import TokenFeatures
from .pytorch.tagger import BiLSTMCRF

DECODERS = ("crf", "argmax")
# Token attributes the auxiliary syntax head can learn from a parser's labels.
SYNTAX_ATTRS = ("POS", "TAG", "DEP")
SEPARATOR_KEYS = [get_string_id(word) for word in similarity.SEPARATORS]
# Words that coordinate by themselves (lower case): where coordinator_bias applies.
CONJUNCTION_KEYS = [get_string_id(word) for word in ("and", "or", "nor", "&")]
NAME = "spacy-coord.BiLSTMCRFTagger.v1"


@dataclass
class CoordBatch:
    """Input of the model: docs, plus gold tags and domains when training.

    docs (List[Doc]): The documents.
    tags (Optional[List[numpy.ndarray]]): Gold tag id per token, -1 unknown.
    domains (Optional[List[int]]): Domain id per doc, -1 unknown.
    syntax (Optional[List[numpy.ndarray]]): Syntax label id per token (for
        the auxiliary head), -1 unknown.
    forbidden (Optional[List[Optional[numpy.ndarray]]]): Per doc, None or a
        (len(doc), n_tags) bool array of tags ruled out in prediction.
    types (Optional[List[numpy.ndarray]]): Coordination type id per token
        (with conjunct_types > 1), -1 unknown.
    """

    docs: List[Doc]
    tags: Optional[List[numpy.ndarray]] = None
    domains: Optional[List[int]] = None
    syntax: Optional[List[numpy.ndarray]] = None
    forbidden: Optional[List[Optional[numpy.ndarray]]] = None
    types: Optional[List[numpy.ndarray]] = None


# Prediction: per doc, tag ids and the confidence of each tag.
Predictions = Tuple[List[numpy.ndarray], List[numpy.ndarray]]


@registry.architectures(NAME)
def build_bilstm_crf_tagger(
    width: int = 128,
    depth: int = 1,
    dropout: float = 0.2,
    embed_attrs: Sequence[str] = ("NORM", "PREFIX", "SUFFIX", "SHAPE"),
    embed_rows: Sequence[int] = (5000, 1000, 2500, 500),
    embed_width: int = 64,
    char_width: int = 32,
    max_chars: int = 16,
    char_rows: int = 512,
    vectors_width: int = 0,
    vector_tuning_rows: int = 0,
    neighbor_similarity: bool = False,
    coordination_similarity: bool = False,
    word_dropout: float = 0.0,
    decoder: str = "crf",
    n_domains: int = 0,
    adversarial_weight: float = 0.0,
    syntax_attr: str = "",
    n_syntax_labels: int = 0,
    syntax_weight: float = 0.0,
    conjunct_types: int = 1,
    parallelism_weight: float = 0.0,
    similarity_weight: float = 0.0,
    coordinator_bias: float = 0.0,
    clause_weight: float = 0.0,
) -> Model[Any, Any]:
    """Build a BiLSTM-CRF tagger over B/I/C/O tags.

    width (int): BiLSTM output width (both directions).
    depth (int): Number of BiLSTM layers.
    dropout (float): Dropout rate on embeddings and encoder states.
    embed_attrs (Sequence[str]): Token attributes embedded through hashing.
    embed_rows (Sequence[int]): Hash table rows, one per attribute.
    embed_width (int): Width of each attribute embedding.
    char_width (int): Width of the character CNN (0 turns it off).
    max_chars (int): Characters per token seen by the character CNN.
    char_rows (int): Character hash buckets.
    vectors_width (int): Width of the pipeline's static vectors
        (`nlp.vocab.vectors`); 0 means none are used.
    vector_tuning_rows (int): Fine-tune the static vectors: training learns
        a correction added to each word's vector, from a table of this many
        rows that words share by hashing. Words unseen in training keep
        their pretrained vector, and the pipeline's vectors table stays as it
        is. 0 keeps the vectors frozen. Needs static vectors.
    neighbor_similarity (bool): Give each token the cosine similarity of its
        static vector with the previous and the next token's: values of one
        list are alike ("monday wednesday"), the words of one value less so.
        Needs static vectors.
    coordination_similarity (bool): Give each token the cosine similarity of
        its static vector with the word after the next "and"/"or"/comma and
        with the word before the previous one: where parallel conjuncts may
        start or end. Needs static vectors.
    word_dropout (float): Probability of hiding a token's word identity in
        training (attribute ids and static vector).
    decoder (str): "crf", or "argmax" for independent per-token decisions,
        both decoded so that the tag sequence is always valid.
    n_domains (int): Size of the domain-adversarial classifier (0: no head).
    adversarial_weight (float): Gradient reversal scale of that head.
    syntax_attr (str): "POS", "TAG" or "DEP": an auxiliary head learns to
        predict this label of each token, as the training data's reference
        docs give it (a parser's, from make_corpus.py --syntax), so that the
        encoder learns some syntax. Training only: prediction does not use
        the head, so it costs no speed. "" turns it off.
    n_syntax_labels (int): Size of that head: at least the number of
        distinct labels in the training data (en_core_web_sm: 18 POS, about
        50 TAG, 45 DEP).
    syntax_weight (float): Weight of that head's loss against the tagging loss.
    conjunct_types (int): Types of coordination in the CRF. With 2 or
        more, each tag but O has one CRF state per type and all tokens of one
        coordination share a type: conjuncts of one coordination are
        parallel (a verb phrase is not joined to a noun phrase). Where a
        training doc carries a parse (make_corpus.py --syntax), its
        coordinations are typed by it (`tags.coordination_types`: phrases
        0, clauses 1; types 2 and up stay latent); elsewhere the likelihood
        sums over the types. Decoding takes the best sequence of states and
        reads its tags, and a tag's confidence is the sum of its states'
        marginals. Needs the CRF decoder.
    parallelism_weight (float): Conjuncts of one coordination are alike in
        length ("monday | wednesday | friday", not "monday wednesday |
        friday"). At prediction, the 4 best tag sequences of the CRF are
        rescored: score minus this weight times how far each conjunct's
        length is from the median of its coordination, summed. Decoding
        only: it can be changed on a trained model without retraining. 0
        keeps the best sequence. Needs the CRF decoder.
    similarity_weight (float): Conjuncts of one coordination are alike in
        their last words, the heads of English phrases ("[my workout
        playlist] and [my chill playlist]", "[italian] or [mexican]
        restaurants"). The rescoring also subtracts this weight times 1
        minus the cosine of the static vectors of neighbouring conjuncts'
        last words, averaged per coordination, which also keeps whole names
        whose halves are unlike ("simon and garfunkel"). Decoding only, like
        parallelism_weight. Needs the CRF decoder; without static vectors
        (vectors_width 0) it has no effect, so one config serves both.
    coordinator_bias (float): A prior for coordination where a conjunction
        word stands ("and", "or", "nor", "&"): at prediction, this is added
        to the score of the coordinator tag C on such tokens, so that a
        short list the network is unsure of ("milk and eggs") is found.
        Decoding only, like parallelism_weight. 0 turns it off.
    clause_weight (float): The two conjuncts of a coordination open
        clauses alike: where the second opens with a command verb in lower
        case ("and [open netflix]"), so does the first, or it starts the
        utterance ("[turn on the tv] and", not "turn on the [tv] and"). The
        rescoring also subtracts this weight for each pair that breaks this
        (`parallelism.clause_mismatches`; the verbs are
        `command_verbs.COMMAND_VERBS`). Lists of three or more never count.
        Decoding only, like parallelism_weight. Needs the CRF decoder; 0
        turns it off.
    RETURNS (Model[CoordBatch, Any]): Predictions (tag ids and confidences
        per doc) for a batch without gold, losses for a batch with gold.
    """
    _check_settings(locals())
    syntax_attr = syntax_attr.upper()
    n_syntax_labels = n_syntax_labels if syntax_attr else 0
    attr_ids = [intify_attr(attr) for attr in embed_attrs]
    use_chars = char_width > 0
    states = typed_states(conjunct_types)
    torch_model = BiLSTMCRF(
        **{name: torch.from_numpy(array) for name, array in states._asdict().items()},
        begin_tag=B,
        rows=list(embed_rows),
        embed_width=embed_width,
        char_rows=char_rows if use_chars else 0,
        char_width=char_width,
        vectors_width=vectors_width,
        vector_tuning_rows=vector_tuning_rows,
        similarity_width=similarity.N_FEATURES * (neighbor_similarity + coordination_similarity),
        word_dropout=word_dropout,
        hidden_width=width,
        depth=depth,
        dropout=dropout,
        decoder=decoder,
        n_domains=n_domains,
        adversarial_weight=adversarial_weight,
        n_syntax_labels=n_syntax_labels,
        syntax_weight=syntax_weight,
        parallelism_weight=parallelism_weight,
        similarity_weight=similarity_weight if vectors_width else 0.0,
        clause_weight=clause_weight,
        coordinator_tag=C,
        coordinator_bias=coordinator_bias,
    )
    wrapped = PyTorchWrapper_v2(torch_model, convert_inputs=_to_torch, convert_outputs=_from_torch)
    # The wrapper offers no hook for its shim; ours makes use_averages work.
    wrapped.shims[0] = AveragingPyTorchShim(torch_model)
    return Model(
        NAME,
        forward,
        init=init,
        layers=[wrapped],
        dims={"nO": None},
        attrs={
            "attr_ids": attr_ids,
            "rows": list(embed_rows),
            "max_chars": max_chars if use_chars else 0,
            "char_rows": char_rows,
            "vectors_width": vectors_width,
            "vector_tuning_rows": vector_tuning_rows,
            "neighbor_similarity": neighbor_similarity,
            "coordination_similarity": coordination_similarity,
            "n_domains": n_domains,
            "syntax_attr": syntax_attr,
            "n_syntax_labels": n_syntax_labels,
            "conjunct_types": conjunct_types,
        },
    )


def _check_settings(settings: Dict[str, Any]) -> None:
    """Raise a ValueError that names the first bad setting."""

    def fail(name: str, expected: str) -> None:
        raise ValueError(f"[{NAME}] setting '{name}' must be {expected}, got {settings[name]!r}")

    if settings["decoder"] not in DECODERS:
        fail("decoder", " or ".join(repr(d) for d in DECODERS))
    types = settings["conjunct_types"]
    if not isinstance(types, int) or isinstance(types, bool) or types < 1 or (types > 1 and settings["decoder"] != "crf"):
        fail("conjunct_types", 'an integer >= 1, and 1 unless decoder is "crf"')
    for name in ("width", "embed_width"):
        if settings[name] < 2:
            fail(name, "an integer >= 2")
    if settings["width"] % 2:
        fail("width", "even (it is split between the two LSTM directions)")
    if settings["depth"] < 1:
        fail("depth", "an integer >= 1")
    for name in ("dropout", "word_dropout"):
        if not 0.0 <= settings[name] < 1.0:
            fail(name, "a number in [0, 1)")
    for name in ("char_width", "vectors_width", "vector_tuning_rows", "n_domains", "max_chars"):
        if settings[name] < 0:
            fail(name, "an integer >= 0")
    if settings["char_width"] > 0 and (settings["max_chars"] < 1 or settings["char_rows"] < 2):
        fail("max_chars" if settings["max_chars"] < 1 else "char_rows", "positive when char_width > 0")
    for name in ("neighbor_similarity", "coordination_similarity"):
        if settings[name] and settings["vectors_width"] <= 0:
            fail(name, "false when there are no static vectors (vectors_width 0)")
    if settings["vector_tuning_rows"] > 0 and settings["vectors_width"] <= 0:
        fail("vector_tuning_rows", "0 when there are no static vectors (vectors_width 0)")
    if settings["adversarial_weight"] < 0:
        fail("adversarial_weight", "a number >= 0")
    if settings["parallelism_weight"] < 0 or (settings["parallelism_weight"] > 0 and settings["decoder"] != "crf"):
        fail("parallelism_weight", 'a number >= 0, and 0 unless decoder is "crf"')
    if settings["similarity_weight"] < 0 or (settings["similarity_weight"] > 0 and settings["decoder"] != "crf"):
        fail("similarity_weight", 'a number >= 0, and 0 unless decoder is "crf"')
    if settings["clause_weight"] < 0 or (settings["clause_weight"] > 0 and settings["decoder"] != "crf"):
        fail("clause_weight", 'a number >= 0, and 0 unless decoder is "crf"')
    if settings["coordinator_bias"] < 0:
        fail("coordinator_bias", "a number >= 0")
    if str(settings["syntax_attr"]).upper() not in ("",) + SYNTAX_ATTRS:
        fail("syntax_attr", "one of " + ", ".join(repr(a) for a in SYNTAX_ATTRS) + ' or "" (off)')
    for name in ("n_syntax_labels", "syntax_weight"):
        if settings[name] < 0 or (settings["syntax_attr"] and settings[name] <= 0):
            fail(name, "positive when syntax_attr is set, and never negative")
    if len(settings["embed_attrs"]) != len(settings["embed_rows"]) or not settings["embed_attrs"]:
        fail("embed_rows", f"one row count per attribute in embed_attrs {list(settings['embed_attrs'])}")
    if any(rows < 1 for rows in settings["embed_rows"]):
        fail("embed_rows", "positive integers")
    if any(not isinstance(attr, str) or intify_attr(attr) is None for attr in settings["embed_attrs"]):
        fail("embed_attrs", "a list of spaCy token attributes such as NORM or SHAPE")


def init(model: Model, X: Optional[List[Doc]] = None, Y: Any = None) -> Model:
    """Mark the model as initialized; check the vectors table when docs are given."""
    if X:
        docs = X.docs if isinstance(X, CoordBatch) else list(X)
        _check_vectors(model, docs[0].vocab)
    model.set_dim("nO", len(TAGS))
    return model


def _check_vectors(model: Model, vocab) -> None:
    width = model.attrs["vectors_width"]
    if width and vocab.vectors.shape[1] != width:
        raise ValueError(
            f"[{NAME}] setting 'vectors_width' is {width}, but the pipeline's "
            f"vectors have width {vocab.vectors.shape[1]} "
            f"(shape {vocab.vectors.shape}). Set vectors_width to the vectors' "
            "width, or to 0 to train without static vectors, or add vectors "
            "with `spacy init vectors` and `[initialize.vectors]`."
        )


def forward(model: Model, X: Any, is_train: bool) -> Tuple[Any, Callable]:
    batch = X if isinstance(X, CoordBatch) else CoordBatch(list(X))
    wrapped = model.layers[0]
    keep = [i for i, doc in enumerate(batch.docs) if len(doc)]
    if batch.tags is None:
        if is_train:
            raise ValueError(f"[{NAME}] training needs a CoordBatch with gold tags")
        return _predict(model, wrapped, batch, keep), lambda d: X
    if not keep:
        return (0.0, 0.0), lambda d_loss: X
    features = featurize(model, [batch.docs[i] for i in keep])
    if batch.domains is not None:
        features["domains"] = numpy.asarray([batch.domains[i] for i in keep], dtype="int64")
    # Per-token gold ids, padded with -1 (unknown).
    for name in ("tags", "syntax", "types"):
        per_doc = getattr(batch, name)
        if per_doc is not None:
            features[name] = _scatter(
                numpy.concatenate([numpy.asarray(per_doc[i], dtype="int64") for i in keep]),
                _token_mask(features["lengths"]),
                -1,
            )
    losses, backprop = wrapped(features, is_train)

    def backprop_losses(d_loss: float) -> Any:
        backprop(d_loss)
        return X

    return losses, backprop_losses


def _predict(model: Model, wrapped: Model, batch: CoordBatch, keep: List[int]) -> Predictions:
    tags = [numpy.zeros((0,), dtype="int64") for _ in batch.docs]
    confidences = [numpy.zeros((0,), dtype="float32") for _ in batch.docs]
    if not keep:
        return tags, confidences
    if model.attrs["vectors_width"]:
        _check_vectors(model, batch.docs[keep[0]].vocab)
    # Longest first, the order pack_padded_sequence works in: measured faster
    # than input order on CPU (less reordering of the padded batch).
    by_length = sorted(keep, key=lambda i: -len(batch.docs[i]))
    features = featurize(model, [batch.docs[i] for i in by_length])
    if batch.forbidden is not None and any(batch.forbidden[i] is not None for i in by_length):
        features["forbidden"] = _padded_forbidden([batch.forbidden[i] for i in by_length], features["lengths"])
    best, probs = wrapped.predict(features)
    for row, i in enumerate(by_length):
        n = len(batch.docs[i])
        tags[i] = best[row, :n]
        confidences[i] = probs[row, :n]
    return tags, confidences


def _torch_module(model: Model) -> BiLSTMCRF:
    """The PyTorch module under the Thinc wrapper. It holds the decoding
    settings as the config built it: `spacy.load(path, config=...)` sets
    them there, while `model.attrs` come back from disk as they were saved."""
    return model.layers[0].shims[0]._model


def featurize(model: Model, docs: List[Doc]) -> Dict[str, Any]:
    """Padded numpy inputs of the torch module for non-empty docs.

    Works on the tokens of the whole batch at once: one `to_array` call per
    doc, then vectorized hashing, character lookup and padding.
    """
    attr_ids, rows = model.attrs["attr_ids"], model.attrs["rows"]
    columns = attr_ids + [ORTH, LOWER]
    tokens = numpy.concatenate([doc.to_array(columns).reshape(len(doc), len(columns)) for doc in docs])
    lengths = numpy.asarray([len(doc) for doc in docs], dtype="int64")
    mask = _token_mask(lengths)
    hash_ids = numpy.stack([_hashed_rows(tokens[:, i], i, n) for i, n in enumerate(rows)], axis=1)
    orth, lower = tokens[:, len(attr_ids)], tokens[:, len(attr_ids) + 1]
    # Characters, static vectors and, in the folded encoder, the whole input
    # projection are computed once per distinct word. A word is its text and
    # its attribute ids: a token's NORM can differ from its word's ("'s" in
    # "let's" is "us").
    first, inverse = _distinct_rows(numpy.column_stack([orth.view("int64"), hash_ids]))
    features: Dict[str, Any] = {
        "hash_ids": _scatter(hash_ids, mask, 0),
        "lengths": lengths,
        "char_ids": None,
        "word_index": _scatter(inverse, mask, 0),
        "vectors": None,
        "similarity": None,
        "vector_rows": None,
        "conjunctions": _scatter(numpy.isin(lower, CONJUNCTION_KEYS), mask, False),
        "opens_clause": None,
    }
    if _torch_module(model).clause_weight:  # only its rescoring reads the flags
        features["opens_clause"] = _scatter(_opens_clause(orth, lengths), mask, False)
    if model.attrs["max_chars"]:
        features["char_ids"] = _char_ids(
            [docs[0].vocab.strings[word] for word in orth[first].tolist()],
            model.attrs["max_chars"],
            model.attrs["char_rows"],
        )
    if model.attrs["vectors_width"]:
        features["vectors"] = _static_vectors(docs[0].vocab, lower[first])
    if model.attrs["vector_tuning_rows"]:
        # Corrections are per vector, so keyed like the vectors: by the lower-cased word.
        # Seed: the attribute hashes use 0 .. len(attr_ids) - 1.
        features["vector_rows"] = _hashed_rows(lower[first], len(attr_ids), model.attrs["vector_tuning_rows"])
    if model.attrs["neighbor_similarity"] or model.attrs["coordination_similarity"]:
        unit = similarity.unit_rows(features["vectors"])[inverse]
        parts = []
        if model.attrs["neighbor_similarity"]:
            parts.append(similarity.neighbor_similarity(unit, lengths))
        if model.attrs["coordination_similarity"]:
            parts.append(similarity.coordination_similarity(unit, numpy.isin(lower, SEPARATOR_KEYS), lengths))
        features["similarity"] = _scatter(numpy.concatenate(parts, axis=1), mask, 0.0)
    return features


def _opens_clause(orth: numpy.ndarray, lengths: numpy.ndarray) -> numpy.ndarray:
    """(n_tokens,) bool: True on each doc's first token and on command verbs
    in lower case. Within a sentence, a capital marks a name ("Book of the
    Dead", "Get Weird"), not a verb."""
    opens = numpy.isin(orth, COMMAND_VERB_KEYS)
    opens[numpy.cumsum(lengths) - lengths] = True
    return opens


def _hashed_rows(keys: numpy.ndarray, seed: int, n_rows: int) -> numpy.ndarray:
    """The int64 row of each uint64 key in a table of `n_rows`, by Thinc's hash with `seed`."""
    return (NumpyOps().hash(numpy.ascontiguousarray(keys), seed)[:, 0] % n_rows).astype("int64")


def _distinct_rows(rows: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """The first index of each distinct row of a 2-d array, and the distinct
    row (0, 1, ...) of each row."""
    # Each row as one opaque value: several times faster than unique(axis=0).
    keys = numpy.ascontiguousarray(rows).view(numpy.dtype((numpy.void, rows.dtype.itemsize * rows.shape[1])))
    _, first, inverse = numpy.unique(keys.ravel(), return_index=True, return_inverse=True)
    return first, inverse.reshape(-1).astype("int64")


def _char_ids(words: List[str], max_chars: int, n_rows: int) -> numpy.ndarray:
    """(n_words, max_chars) hashed code points of each word's first characters, 0 = none."""
    # Fixed-width UTF-32 strings give every word's code points in one array.
    code_points = numpy.asarray(words, dtype=f"<U{max_chars}").view("uint32").reshape(len(words), max_chars)
    return numpy.where(code_points > 0, code_points.astype("int64") % (n_rows - 1) + 1, 0)


def _static_vectors(vocab, keys: numpy.ndarray) -> numpy.ndarray:
    """(n_keys, width) vectors of lower-cased words; zeros when missing.

    Looks each distinct key up once, on the table's own device (the vectors
    move to the GPU when spaCy uses one), and returns a numpy array.
    """
    vectors = vocab.vectors
    distinct, inverse = numpy.unique(keys, return_inverse=True)
    if vectors.mode == "floret":
        table = vectors.get_batch(distinct)
    else:
        rows = vectors.find(keys=distinct)
        table = vectors.data[rows]
        table[rows < 0] = 0.0
    return to_numpy(table).astype("float32", copy=False)[inverse.reshape(-1)]


def _padded_forbidden(per_doc: List[Optional[numpy.ndarray]], lengths: numpy.ndarray) -> numpy.ndarray:
    """(batch, max length, n_tags) bool from per-doc arrays (None: nothing forbidden)."""
    forbidden = numpy.zeros((len(per_doc), int(lengths.max()), len(TAGS)), dtype=bool)
    for row, doc_forbidden in enumerate(per_doc):
        if doc_forbidden is not None:
            forbidden[row, : len(doc_forbidden)] = doc_forbidden
    return forbidden


def _token_mask(lengths: numpy.ndarray) -> numpy.ndarray:
    """(batch, max length) bool, True on real tokens."""
    return numpy.arange(lengths.max()) < lengths[:, None]


def _scatter(flat: numpy.ndarray, mask: numpy.ndarray, value) -> numpy.ndarray:
    """Place per-token rows into a padded (batch, length, ...) array."""
    out = numpy.full(mask.shape + flat.shape[1:], value, dtype=flat.dtype)
    out[mask] = flat
    return out


def _to_torch(model: Model, features: Dict[str, Any], is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    device = get_torch_default_device()
    tensors = {
        name: None if value is None else xp2torch(value, device=device)
        for name, value in features.items()
    }
    inputs = TokenFeatures(**{name: tensors.pop(name) for name in TokenFeatures._fields})
    return ArgsKwargs(args=(inputs, tensors.pop("lengths")), kwargs=tensors), lambda d_inputs: []


def _from_torch(model: Model, inputs_outputs: Tuple[Any, Any], is_train: bool) -> Tuple[Any, Callable]:
    features, outputs = inputs_outputs
    if "tags" not in features:
        tag_ids, confidences = outputs
        return (torch2xp(tag_ids), torch2xp(confidences)), lambda d: None
    tag_loss, auxiliary_loss = outputs
    total = tag_loss + auxiliary_loss

    def backprop(d_loss: float) -> ArgsKwargs:
        grad = torch.full_like(total, float(d_loss))
        return ArgsKwargs(args=((total,),), kwargs={"grad_tensors": (grad,)})

    return (float(tag_loss.detach()), float(auxiliary_loss.detach())), backprop
