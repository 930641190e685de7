"""spacy-coord.CoordTagger.v1: an encoder and a tag head, composed."""

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, Ragged

from ..errors import Errors
from .content import content_lengths, content_tokens
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


@registry.architectures(NAME)
def build_coord_tagger(encoder: Model[List[Doc], Ragged], head: Model[HeadInput, Any]) -> Model:
    """Tag scores for docs: `encoder` gives one state per content token, `head`
    scores the tags from them. Either can be swapped: for example an encoder
    that listens to a shared tok2vec (`chain(tok2vec, list2ragged())`).

    encoder (Model[List[Doc], Ragged]): One state per content token, such as
        spacy-coord.BiLSTMEncoder.v1.
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
    states, backprop_encoder = encoder([X.docs[i] for i in keep], is_train)
    tags = numpy.concatenate([numpy.asarray(X.tags[i], dtype="int64")[content[i]] for i in keep])
    domains = None if X.domains is None else numpy.asarray([X.domains[i] for i in keep], dtype="int64")
    soft_tags = None
    if X.soft_tags is not None and X.soft_weight:
        soft_tags = numpy.concatenate([numpy.asarray(X.soft_tags[i], dtype="float32")[content[i]] for i in keep])
    head_input = HeadInput(states.dataXd, states.lengths, tags, domains, soft_tags, X.soft_weight)
    losses, backprop_head = head(head_input, is_train)

    def backprop(d_loss: float) -> CoordBatch:
        backprop_encoder(Ragged(backprop_head(d_loss), states.lengths))
        return X

    return losses, backprop


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
    states = encoder.predict([docs[i] for i in by_length])
    scores = head.predict(HeadInput(states.dataXd, states.lengths))
    sorted_lengths = lengths[by_length]
    in_sorted = numpy.zeros((len(by_length), padded.shape[1], padded.shape[2]), dtype="float32")
    in_sorted[numpy.arange(padded.shape[1]) < sorted_lengths[:, None]] = scores.emissions
    padded[by_length] = in_sorted
    return scores._replace(emissions=padded, lengths=lengths)
