"""How far the conjuncts of a tag sequence are from parallel.

Conjuncts of one coordination are parallel: "monday wednesday and friday"
joins three one-word values, not "monday wednesday" and "friday"; "the
living room and dining room lights" joins "living room" and "dining room",
not "dining room lights". Coordinate-structure parsers score candidate
conjunct boundaries by how alike the conjuncts are (Teranishi et al., NAACL
2019); here the decoder rescores the CRF's best tag sequences by how alike
their conjuncts are in length (see `decoding.decode_with_confidences`).
"""
from typing import List, Sequence

import numpy

from ..tags import B, I, O


def conjunct_lengths(tags: Sequence[int]) -> List[List[int]]:
    """The length of each conjunct, per coordination, of a valid B/I/C/O
    tag sequence: [[1, 1, 1]] for "monday wednesday and friday" tagged B B C B.
    """
    groups: List[List[int]] = []
    lengths: List[int] = []
    for tag in tags.tolist() if isinstance(tags, numpy.ndarray) else tags:
        if tag == B:
            lengths.append(1)
        elif tag == I:
            lengths[-1] += 1
        elif tag == O and lengths:
            groups.append(lengths)
            lengths = []
    if lengths:
        groups.append(lengths)
    return groups


def imbalance(tags: Sequence[int]) -> float:
    """How far the conjuncts are from being of one length: over all
    coordinations, the sum of each conjunct's distance in tokens from the
    median conjunct length of its coordination. 0 without coordinations or
    when the conjuncts of each are of one length.
    """
    total = 0.0
    for lengths in conjunct_lengths(tags):
        # In plain Python: numpy.median costs more than the whole row on lists this short.
        ordered = sorted(lengths)
        median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
        total += sum(abs(length - median) for length in ordered)
    return total

