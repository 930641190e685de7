"""Similarity features from static vectors, for tokens laid out one doc
after another.

Conjuncts of one coordination are parallel: alike in kind ("monday" /
"friday", "turn off" / "lock"), while the words of one value are less alike
("dish soap"). A BiLSTM sees that poorly from the raw vectors, since it
would have to learn dot products; these features hand it the cosines.
"""
import numpy

# Words that separate conjuncts (lower case), commas included for lists.
SEPARATORS = ("and", "or", "nor", "plus", "&", ",")
# Features per kind: neighbours (previous, next); coordination (the word after
# the next separator, the word before the previous one).
N_FEATURES = 2


def unit_rows(vectors: numpy.ndarray) -> numpy.ndarray:
    """`vectors` scaled to length 1; rows of zeros (no vector) stay zero."""
    norms = numpy.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / numpy.where(norms > 0, norms, 1.0)


def neighbor_similarity(unit: numpy.ndarray, lengths: numpy.ndarray) -> numpy.ndarray:
    """(n_tokens, 2) cosine with the previous and with the next token of the
    same doc (0 at the doc's edges and for words without a vector).

    unit (numpy.ndarray): (n_tokens, width) unit vectors, docs one after another.
    lengths (numpy.ndarray): Tokens per doc.
    """
    with_previous = numpy.zeros(len(unit), dtype="float32")
    with_previous[1:] = (unit[1:] * unit[:-1]).sum(axis=1)
    starts = numpy.cumsum(lengths) - lengths
    with_previous[starts] = 0.0
    with_next = numpy.zeros_like(with_previous)
    with_next[:-1] = with_previous[1:]
    with_next[starts[1:] - 1] = 0.0
    return numpy.stack([with_previous, with_next], axis=1)


def coordination_similarity(unit: numpy.ndarray, is_separator: numpy.ndarray, lengths: numpy.ndarray) -> numpy.ndarray:
    """(n_tokens, 2) cosine with the word right after the next separator and
    with the word right before the previous one, in the same doc (0 where
    there is none): "lock" after "and" is like "turn", not like "the".

    unit (numpy.ndarray): (n_tokens, width) unit vectors, docs one after another.
    is_separator (numpy.ndarray): (n_tokens,) bool, True on SEPARATORS.
    lengths (numpy.ndarray): Tokens per doc.
    """
    n = len(unit)
    positions = numpy.arange(n)
    doc_ids = numpy.repeat(numpy.arange(len(lengths)), lengths)
    # Nearest separator strictly after / before each token.
    after = numpy.minimum.accumulate(numpy.where(is_separator, positions, n)[::-1])[::-1]
    next_separator = numpy.append(after[1:], n)
    before = numpy.maximum.accumulate(numpy.where(is_separator, positions, -1))
    previous_separator = numpy.insert(before[:-1], 0, -1)
    features = numpy.zeros((n, 2), dtype="float32")
    for column, anchors in enumerate((next_separator + 1, previous_separator - 1)):
        valid = (anchors >= 0) & (anchors < n)
        valid[valid] &= doc_ids[anchors[valid]] == doc_ids[valid]
        features[valid, column] = (unit[valid] * unit[anchors[valid]]).sum(axis=1)
    return features
