"""The training targets of an Example, per token of its predicted doc: gold
tag ids from the reference's spans, and a teacher's tag probabilities.

As spaCy's span_finder, gold is aligned by characters: a predicted token gets
the value of the reference token covering the same characters, and -1
(masked out of the loss) where the two tokenizations differ.
"""

import warnings
from typing import List

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.training import Example

from .errors import Warnings
from .soft_targets import get_tag_probs
from .tags import TAG_IDS, TAGS, is_valid, spans_to_tags

# Where each token starts and how long it is: equal arrays, equal tokenization.
_CHAR_OFFSETS = [IDX, LENGTH]


def gold_tags(example: Example, spans_key: str, groups_key: str) -> numpy.ndarray:
    """Gold tag id per predicted token; -1 where unknown or misaligned.

    example (Example): The example; its reference holds the conjuncts under
        `spans_key` and, optionally, the coordinations under `groups_key`.
    spans_key (str): `doc.spans` key of the conjuncts.
    groups_key (str): `doc.spans` key of the coordinations.
    RETURNS (numpy.ndarray): (len(example.predicted),) int64 tag ids.
    """
    reference = example.reference
    if spans_key not in reference.spans:
        return _unknown_per_token(example)
    conjuncts = reference.spans[spans_key]
    groups = reference.spans.get(groups_key) or None
    ref_tags = [TAG_IDS[tag] for tag in spans_to_tags(reference, conjuncts, groups)]
    if not is_valid(ref_tags):
        warnings.warn(Warnings.W001.format(text=reference.text[:80]), stacklevel=2)
        ref_tags = [-1] * len(reference)
    return _to_predicted_tokens(example, ref_tags)


def soft_tags(example: Example) -> numpy.ndarray:
    """The teacher's tag probabilities per predicted token (see
    `spacy_coord.soft_targets`); rows of 0 where there are none or the token
    does not align.

    example (Example): The example; the probabilities are on its reference.
    RETURNS (numpy.ndarray): (len(example.predicted), n_tags) float32.
    """
    probs = get_tag_probs(example.reference)
    soft = numpy.zeros((len(example.predicted), len(TAGS)), dtype="float32")
    if probs is None:
        return soft
    aligned = _to_predicted_tokens(example, list(range(len(example.reference))))
    soft[aligned >= 0] = probs[aligned[aligned >= 0]]
    return soft


def _unknown_per_token(example: Example) -> numpy.ndarray:
    """-1 (unknown) for every predicted token."""
    return numpy.full((len(example.predicted),), -1, dtype="int64")


def _to_predicted_tokens(example: Example, ref_values: List[int]) -> numpy.ndarray:
    """Per-reference-token ids moved to the predicted tokens; -1 where a
    token does not align one-to-one."""
    # Usually the two tokenizations are the same: one array comparison.
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
