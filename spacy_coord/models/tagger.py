"""spacy-coord.CoordTagger.v1: an encoder and a tag head, composed."""

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, Ragged
from thinc.types import Floats2d

from ..errors import Errors
from .content import CONTENT_ENCODERS, content_lengths, content_tokens
from .head import HeadInput, TagScores

NAME = "spacy-coord.CoordTagger.v1"


@dataclass
class CoordBatch:
    """Input of the model in training: docs, gold tags and domains, and a
    teacher's tag probabilities.

    docs (List[Doc]): The documents.
    tags (List[numpy.ndarray]): Gold tag id per token, -1 unknown.
    domains (Optional[List[int]]): Domain id per doc, -1 unknown.
    soft_tags (Optional[List[numpy.ndarray]]): Per doc, (n_tokens, n_tags)
        the teacher's probability of each tag, rows of 0 where there is none.
    soft_weight (float): Weight of the soft targets' loss beside the gold's.
    """

    docs: List[Doc]
    tags: List[numpy.ndarray]
    domains: Optional[List[int]] = None
    soft_tags: Optional[List[numpy.ndarray]] = None
    soft_weight: float = 0.0


# One state per token: a Ragged (the project's encoders: one per content
# token) or one array per doc (spaCy's tok2vec layers and listeners: one per
# token, whitespace tokens included).
EncoderOutput = Union[Ragged, List[Floats2d]]


@registry.architectures(NAME)
def build_coord_tagger(encoder: Model[List[Doc], EncoderOutput], head: Model[HeadInput, Any]) -> Model:
    """Tag scores for docs: `encoder` gives one state per token, `head`
    scores the tags of the content tokens from them (whitespace tokens are no
    input: `content.content_tokens`). Either can be swapped: for example
    `spacy.Tok2VecListener.v1` as the encoder shares the tok2vec of the
    pipeline (configs/coord_listener.cfg).

    encoder (Model[List[Doc], EncoderOutput]): Such as
        spacy-coord.BiLSTMEncoder.v1 (one state per content token), or any
        spaCy tok2vec layer (one state per token: the head gets the content
        tokens' states, and whitespace tokens a gradient of 0).
    head (Model[HeadInput, Any]): Such as spacy-coord.CRFHead.v1; its width
        must be the encoder's output width.
    RETURNS (Model): `TagScores` of the content tokens of a list of docs
        (`content.content_tokens`: whitespace tokens are no input; docs
        without content hold no tokens); tagging and adversarial losses for
        a `CoordBatch`.
    """
    if encoder.has_dim("nO") and encoder.get_dim("nO") != head.get_dim("nI"):
        raise ValueError(Errors.E010.format(head=head.get_dim("nI"), encoder=encoder.get_dim("nO")))
    return Model(
        NAME,
        forward,
        init=init,
        layers=[encoder, head],
        # Set by initialize: a model without it has not been initialized (E109).
        dims={"nO": None},
        attrs={"n_domains": head.attrs["n_domains"]},
    )


def init(model: Model, X: Optional[List[Doc]] = None, Y: Any = None) -> Model:
    encoder, head = model.layers
    sample = [doc for doc in X or [] if len(doc)]
    encoder.initialize(X=sample or None)
    model.set_dim("nO", head.get_dim("nO"))
    return model


def forward(model: Model, X: Any, is_train: bool) -> Tuple[Any, Callable]:
    encoder, head = model.layers
    if not isinstance(X, CoordBatch):
        if is_train:
            raise ValueError(Errors.E009.format(name=NAME))
        return _predict(encoder, head, list(X)), lambda d: X
    content = [content_tokens(doc) for doc in X.docs]
    keep = [i for i, tokens in enumerate(content) if len(tokens)]
    if not keep:
        return (0.0, 0.0), lambda d_loss: X
    states, backprop_encoder = _encode(encoder, X.docs, is_train)
    tags = numpy.concatenate([numpy.asarray(X.tags[i], dtype="int64")[content[i]] for i in keep])
    domains = None if X.domains is None else numpy.asarray([X.domains[i] for i in keep], dtype="int64")
    soft_tags = None
    if X.soft_tags is not None and X.soft_weight:
        soft_tags = numpy.concatenate([numpy.asarray(X.soft_tags[i], dtype="float32")[content[i]] for i in keep])
    head_input = HeadInput(states.dataXd, states.lengths, tags, domains, soft_tags, X.soft_weight)
    losses, backprop_head = head(head_input, is_train)

    def backprop(d_loss: float) -> CoordBatch:
        backprop_encoder(backprop_head(d_loss))
        return X

    return losses, backprop


def _encode(encoder: Model, docs: List[Doc], is_train: bool) -> Tuple[Ragged, Callable]:
    """The encoder's states of the content tokens of `docs` as one Ragged
    (docs without content left out), and the backprop of their gradient (an
    array) into the encoder.

    The project's encoders (`content.CONTENT_ENCODERS`) read the docs that
    have content tokens and give their states. Any other encoder, such as
    spaCy's tok2vec layers, reads the docs that have tokens and gives one
    state per token: the content tokens' rows are kept, and whitespace
    tokens get a gradient of 0. A listener gives the states of its
    upstream's whole batch (which must be the docs given, or its batch id
    differs): the empty docs, left out here, are there as entries of length 0.
    """
    if encoder.name in CONTENT_ENCODERS:
        states, backprop_encoder = encoder([doc for doc in docs if len(content_tokens(doc))], is_train)
        return states, lambda d_states: backprop_encoder(Ragged(d_states, states.lengths))
    ops = encoder.ops
    given = [doc for doc in docs if len(doc)]
    states, backprop_encoder = encoder(given, is_train)
    per_doc = list(states) if isinstance(states, list) else list(ops.unflatten(states.dataXd, states.lengths))
    lengths = [len(doc_states) for doc_states in per_doc]
    # The entries of the docs given: those with tokens (a listener's upstream batch may hold empty docs).
    entries = [j for j, length in enumerate(lengths) if length]
    if [lengths[j] for j in entries] != [len(doc) for doc in given]:
        raise ValueError(
            f"[{NAME}] the encoder {encoder.name!r} gives states for {[lengths[j] for j in entries]} "
            f"tokens, but the docs have {[len(doc) for doc in given]}: it must give one state per token."
        )
    content = [content_tokens(doc) for doc in given]
    rows = [ops.xp.asarray(tokens) for tokens in content]
    kept = [per_doc[j][doc_rows] for j, doc_rows in zip(entries, rows)]
    content_lengths = numpy.asarray([len(tokens) for tokens in content], dtype="int64")
    ragged = Ragged(ops.flatten(kept), ops.asarray1i(content_lengths[content_lengths > 0]))

    def backprop(d_states: Floats2d) -> Any:
        d_per_doc = [ops.alloc2f(length, d_states.shape[1]) for length in lengths]
        ends = numpy.cumsum(content_lengths)
        for j, doc_rows, end, length in zip(entries, rows, ends, content_lengths):
            d_per_doc[j][doc_rows] = d_states[end - length : end]
        if isinstance(states, list):
            return backprop_encoder(d_per_doc)
        return backprop_encoder(Ragged(ops.flatten(d_per_doc), states.lengths))

    return ragged, backprop


def _predict(encoder: Model, head: Model, docs: List[Doc]) -> TagScores:
    """Tag scores of the content tokens of the docs, emissions padded:
    (n_docs, most content tokens, n_tags); lengths are content tokens."""
    lengths = content_lengths(docs)
    keep = numpy.flatnonzero(lengths)
    padded = numpy.zeros((len(docs), int(lengths.max(initial=0)), head.get_dim("nO")), dtype="float32")
    if not len(keep):
        empty = HeadInput(numpy.zeros((0, head.get_dim("nI")), dtype="float32"), lengths[:0])
        return head.predict(empty)._replace(emissions=padded, lengths=lengths)
    # Longest first, the order the packed LSTM works in: faster than input
    # order on CPU (less reordering of the padded batch).
    by_length = keep[numpy.argsort(-lengths[keep], kind="stable")]
    states, _ = _encode(encoder, [docs[i] for i in by_length], is_train=False)
    scores = head.predict(HeadInput(states.dataXd, states.lengths))
    sorted_lengths = lengths[by_length]
    in_sorted = numpy.zeros((len(by_length), padded.shape[1], padded.shape[2]), dtype="float32")
    in_sorted[numpy.arange(padded.shape[1]) < sorted_lengths[:, None]] = scores.emissions
    padded[by_length] = in_sorted
    return scores._replace(emissions=padded, lengths=lengths)
