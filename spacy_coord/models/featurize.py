"""Docs into the numpy inputs of the word embedding: each distinct word of a
batch once (its hashed attributes, characters and static vector) and the
word of each token."""

from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy
from spacy.attrs import LOWER, ORTH
from spacy.tokens import Doc
from thinc.api import NumpyOps
from thinc.util import to_numpy

from .content import content_tokens


class WordFeatures(NamedTuple):
    """hash_ids (n_words, n_attrs) hashed attribute rows; char_ids
    (n_words, max_chars) hashed characters or None; vectors (n_words,
    vectors_width) static vectors or None; word_index (n_tokens,) the word
    of each content token, docs one after the other; lengths (n_docs,)
    content tokens per doc."""

    hash_ids: numpy.ndarray
    char_ids: Optional[numpy.ndarray]
    vectors: Optional[numpy.ndarray]
    word_index: numpy.ndarray
    lengths: numpy.ndarray


def featurize(
    docs: List[Doc], attr_ids: Sequence[int], rows: Sequence[int], max_chars: int, char_rows: int, vectors_width: int
) -> WordFeatures:
    """The features of the content tokens (`content.content_tokens`) of docs
    that have some: one `to_array` call per doc, then vectorized hashing,
    character lookup and vectors of the distinct words.

    A word is its text and its attribute ids: a token's NORM can differ
    from its word's ("'s" in "let's" is "us").
    """
    columns = list(attr_ids) + [ORTH, LOWER]
    per_doc = [doc.to_array(columns).reshape(len(doc), len(columns))[content_tokens(doc)] for doc in docs]
    tokens = numpy.concatenate(per_doc)
    lengths = numpy.asarray([len(doc_tokens) for doc_tokens in per_doc], dtype="int64")
    hash_ids = numpy.stack([hashed_rows(tokens[:, i], i, n) for i, n in enumerate(rows)], axis=1)
    orth, lower = tokens[:, len(columns) - 2], tokens[:, len(columns) - 1]
    first, word_index = _distinct_rows(numpy.column_stack([orth.view("int64"), hash_ids]))
    char_ids = None
    if max_chars:
        char_ids = _char_ids(_word_texts(docs, lengths, orth, first), max_chars, char_rows)
    vectors = static_vectors(docs[0].vocab, lower[first]) if vectors_width else None
    return WordFeatures(hash_ids[first], char_ids, vectors, word_index, lengths)


def hashed_rows(keys: numpy.ndarray, seed: int, n_rows: int) -> numpy.ndarray:
    """The int64 row of each uint64 key in a table of `n_rows`, by Thinc's hash with `seed`."""
    return (NumpyOps().hash(numpy.ascontiguousarray(keys), seed)[:, 0] % n_rows).astype("int64")


def static_vectors(vocab, keys: numpy.ndarray) -> numpy.ndarray:
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


def _word_texts(docs: List[Doc], lengths: numpy.ndarray, orth: numpy.ndarray, first: numpy.ndarray) -> List[str]:
    """The text of each distinct word, from the string store of its own doc
    (a batch may mix docs of several vocabs)."""
    doc_of_token = numpy.repeat(numpy.arange(len(docs)), lengths)
    return [docs[d].vocab.strings[key] for d, key in zip(doc_of_token[first].tolist(), orth[first].tolist())]


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
