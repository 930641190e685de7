"""spacy-coord.WordEmbedding.v1: docs -> one representation per distinct word."""

from typing import Any, Callable, List, NamedTuple, Sequence, Tuple

from spacy.attrs import intify_attr
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, xp2torch
from thinc.types import Floats2d, Ints1d
from thinc.util import get_torch_default_device

from ..errors import Errors
from .featurize import WordFeatures, featurize
from .pytorch.embeddings import WordEmbedding
from .settings import check_settings
from .torch_layer import torch_layer

NAME = "spacy-coord.WordEmbedding.v1"


class EmbeddedWords(NamedTuple):
    """words (n_words, width): each distinct word of a batch once;
    word_index (n_tokens,): the word of each token, docs one after the other;
    lengths (n_docs,): tokens per doc."""

    words: Floats2d
    word_index: Ints1d
    lengths: Ints1d


@registry.architectures(NAME)
def build_word_embedding(
    attrs: Sequence[str],
    rows: Sequence[int],
    width: int,
    char_width: int,
    max_chars: int,
    char_rows: int,
    vectors_width: int,
) -> Model[List[Doc], EmbeddedWords]:
    """Embed the words of non-empty docs: hashed token attributes, a
    character CNN and projected static vectors, concatenated.

    attrs (Sequence[str]): Token attributes embedded through hashing.
    rows (Sequence[int]): Hash table rows, one per attribute.
    width (int): Width of each attribute embedding and of the vector projection.
    char_width (int): Width of the character CNN (0 turns it off).
    max_chars (int): Characters per word seen by the character CNN.
    char_rows (int): Character hash buckets.
    vectors_width (int): Width of the pipeline's static vectors
        (`nlp.vocab.vectors`); 0 means none are used.
    RETURNS (Model[List[Doc], EmbeddedWords]): The embedding layer; its dim
        "nO" is the width of a word's representation.
    """
    check_settings(NAME, locals())
    use_chars = char_width > 0
    module = WordEmbedding(list(rows), width, char_rows if use_chars else 0, char_width, vectors_width)
    return Model(
        NAME,
        forward,
        init=init,
        layers=[torch_layer(module, _to_torch)],
        dims={"nO": module.output_width},
        attrs={
            "attr_ids": [intify_attr(attr) for attr in attrs],
            "rows": list(rows),
            "max_chars": max_chars if use_chars else 0,
            "char_rows": char_rows,
            "vectors_width": vectors_width,
        },
    )


def init(model: Model, X: List[Doc] = None, Y: Any = None) -> Model:
    """Check the vectors table against the setting when docs are given."""
    if X:
        check_vectors(model, X[0].vocab)
    return model


def check_vectors(model: Model, vocab) -> None:
    """Raise a ValueError when the vocab's vectors are not as wide as the setting."""
    width = model.attrs["vectors_width"]
    if width and vocab.vectors.shape[1] != width:
        raise ValueError(
            Errors.E008.format(name=NAME, width=width, found=vocab.vectors.shape[1], shape=vocab.vectors.shape)
        )


def forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[EmbeddedWords, Callable]:
    if model.attrs["vectors_width"]:
        check_vectors(model, docs[0].vocab)
    attrs = model.attrs
    features = featurize(
        docs, attrs["attr_ids"], attrs["rows"], attrs["max_chars"], attrs["char_rows"], attrs["vectors_width"]
    )
    words, backprop_words = model.layers[0](features, is_train)

    def backprop(d_embedded: EmbeddedWords) -> List[Doc]:
        backprop_words(d_embedded.words)
        return docs

    return EmbeddedWords(words, features.word_index, features.lengths), backprop


def _to_torch(model: Model, features: WordFeatures, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    device = get_torch_default_device()
    tensors = [None if array is None else xp2torch(array, device=device) for array in features[:3]]
    return ArgsKwargs(args=tuple(tensors), kwargs={}), lambda d_inputs: None
