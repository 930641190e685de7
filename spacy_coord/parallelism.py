"""How far the conjuncts of a tag sequence are from parallel.

Conjuncts of one coordination are parallel: "monday wednesday and friday"
joins three one-word values, not "monday wednesday" and "friday"; "the
living room and dining room lights" joins "living room" and "dining room",
not "dining room lights". Coordinate-structure parsers score candidate
conjunct boundaries by how alike the conjuncts are (Teranishi et al., NAACL
2019); here the decoder rescores the CRF's best tag sequences by how alike
their conjuncts are in length and in their last words, the heads of English
phrases: "[my workout playlist] and [my chill playlist]", not "[my chill]"
(see `decoding.decode_with_confidences`).
"""

from typing import List, Optional, Sequence, Tuple

import numpy
from spacy.attrs import LOWER
from spacy.tokens import Doc

from .models.featurize import static_vectors
from .tags import B, I, O

# The cosine a pair of last words counts as when one has no static vector:
# neither alike nor unrelated. Rare names have none, and counting them as
# unrelated splits lists of them ("[stanford berlin]") more often.
UNKNOWN_COSINE = 0.5


def conjunct_spans(tags: Sequence[int]) -> List[List[Tuple[int, int]]]:
    """The (start, end) token offsets of each conjunct, per coordination, of
    a valid B/I/C/O tag sequence: [[(1, 2), (2, 3), (4, 5)]] for "on monday
    wednesday and friday" tagged O B B C B.
    """
    groups: List[List[Tuple[int, int]]] = []
    spans: List[Tuple[int, int]] = []
    for i, tag in enumerate(tags.tolist() if isinstance(tags, numpy.ndarray) else tags):
        if tag == B:
            spans.append((i, i + 1))
        elif tag == I:
            spans[-1] = (spans[-1][0], i + 1)
        elif tag == O and spans:
            groups.append(spans)
            spans = []
    if spans:
        groups.append(spans)
    return groups


def conjunct_lengths(tags: Sequence[int]) -> List[List[int]]:
    """The length of each conjunct, per coordination, of a valid B/I/C/O
    tag sequence: [[1, 1, 1]] for "monday wednesday and friday" tagged B B C B.
    """
    return [[end - start for start, end in group] for group in conjunct_spans(tags)]


def imbalance(tags: Sequence[int]) -> float:
    """How far the conjuncts are from being of one length: over all
    coordinations, the sum of each conjunct's distance in tokens from the
    median conjunct length of its coordination. 0 without coordinations or
    when the conjuncts of each are of one length.
    """
    return _imbalance(conjunct_spans(tags))


def head_unlikeness(tags: Sequence[int], unit_vectors: numpy.ndarray) -> float:
    """How unlike the last words of neighbouring conjuncts are: over all
    coordinations, the mean over each two neighbouring conjuncts of 1 minus
    the cosine of their last words' static vectors. 0 without coordinations.

    unit_vectors (numpy.ndarray): (n_tokens, width) the tokens' vectors
        scaled to length 1; a word without a vector has zeros, and a pair
        with one counts as UNKNOWN_COSINE.
    """
    return _head_unlikeness(conjunct_spans(tags), head_cosines(unit_vectors))


def head_cosines(unit_vectors: numpy.ndarray) -> List[List[float]]:
    """The cosine of every two tokens' static vectors, UNKNOWN_COSINE where
    one has none, as nested lists: decoding reads a few pairs of each of
    several candidate tag sequences, and on ten tokens a Python lookup costs
    far less than a numpy operation.

    unit_vectors (numpy.ndarray): (n_tokens, width), as for `head_unlikeness`.
    RETURNS (List[List[float]]): (n_tokens, n_tokens) cosines.
    """
    known = unit_vectors.any(axis=1)
    cosines = numpy.where(known[:, None] & known[None, :], unit_vectors @ unit_vectors.T, UNKNOWN_COSINE)
    return cosines.tolist()


def penalty(
    tags: Sequence[int], weight: float, similarity_weight: float, cosines: Optional[List[List[float]]]
) -> float:
    """`weight` times the `imbalance` of a tag sequence plus
    `similarity_weight` times its `head_unlikeness`, from the tokens'
    `head_cosines` (unused when `similarity_weight` is 0)."""
    groups = conjunct_spans(tags)
    total = weight * _imbalance(groups) if weight else 0.0
    if similarity_weight:
        total += similarity_weight * _head_unlikeness(groups, cosines)
    return total


def _imbalance(groups: List[List[Tuple[int, int]]]) -> float:
    total = 0.0
    for group in groups:
        # In plain Python: numpy.median costs more than the whole row on lists this short.
        ordered = sorted(end - start for start, end in group)
        median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
        total += sum(abs(length - median) for length in ordered)
    return total


def _head_unlikeness(groups: List[List[Tuple[int, int]]], cosines: List[List[float]]) -> float:
    total = 0.0
    for group in groups:
        lasts = [end - 1 for _, end in group]
        if len(lasts) > 1:
            total += sum(1.0 - cosines[a][b] for a, b in zip(lasts, lasts[1:])) / (len(lasts) - 1)
    return total


def token_unit_vectors(docs: List[Doc], content: List[numpy.ndarray], length: int) -> Optional[numpy.ndarray]:
    """The static vectors (by lower-cased word) of the docs' content tokens
    (all but whitespace, `models.content.content_tokens`: the tokens the
    model scores) scaled to length 1, the input of `head_unlikeness`.

    docs (List[Doc]): The docs, of one vocab.
    content (List[numpy.ndarray]): Per doc, the indices of its content tokens.
    length (int): The padded length, at least the most content tokens of a doc.
    RETURNS (Optional[numpy.ndarray]): (n_docs, length, width), zeros for
        padding and words without a vector; None when the vocab has no vectors.
    """
    vectors = docs[0].vocab.vectors
    if not vectors.shape[0] or not vectors.shape[1]:
        return None
    keys = numpy.concatenate([doc.to_array([LOWER]).reshape(-1)[tokens] for doc, tokens in zip(docs, content)])
    flat = static_vectors(docs[0].vocab, keys)
    norms = numpy.linalg.norm(flat, axis=1, keepdims=True)
    flat = flat / numpy.where(norms > 0, norms, 1.0)
    padded = numpy.zeros((len(docs), length, flat.shape[1]), dtype="float32")
    padded[numpy.arange(length) < numpy.asarray([len(tokens) for tokens in content])[:, None]] = flat
    return padded
