"""Statistics that only reports use: how far an exact-match rate can be
trusted, whether two systems differ on the same utterances, and the kinds
of misses. Kept out of the runtime package: `nlp.evaluate` needs none of it."""

import math
from typing import Sequence, Tuple

from ..scoring import normalize_conjunct


def exact_match_interval(exact: float, n: int, z: float = 1.96) -> Tuple[float, float]:
    """Wilson score interval of an exact-match rate: where the rate on
    utterances like these lies, 95% of the time by default. On a small
    bucket it is wide (0.64 of 86 utterances: 0.53 to 0.73), so differences
    inside it can be chance.

    exact (float): The exact-match rate.
    n (int): The number of utterances it was measured on.
    z (float): The normal quantile of the confidence level.
    RETURNS (Tuple[float, float]): The lower and upper bound.
    """
    if n <= 0:
        raise ValueError(f"an exact-match rate needs at least one utterance, got n={n}")
    if not 0.0 <= exact <= 1.0:
        raise ValueError(f"an exact-match rate lies in [0, 1], got {exact}")
    centre = (exact + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(exact * (1 - exact) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_sign_test(only_first: int, only_second: int) -> float:
    """Two-sided p-value of the exact McNemar test of two systems scored on
    the same utterances: the chance of a split at least this uneven of the
    utterances that exactly one of them gets right, if both were as good.

    only_first (int): Utterances only the first system gets right.
    only_second (int): Utterances only the second system gets right.
    RETURNS (float): The p-value (1.0 when no utterance tells them apart).
    """
    if only_first < 0 or only_second < 0:
        raise ValueError(f"counts of utterances cannot be negative: {only_first}, {only_second}")
    n = only_first + only_second
    tail = sum(math.comb(n, k) for k in range(min(only_first, only_second) + 1)) / 2**n
    return min(1.0, 2 * tail)


# Kinds of misses (see `error_kind`), with what each means.
ERROR_KINDS = {
    "name split": "no conjuncts in gold (a name with 'and'), some predicted",
    "coordination missed": "conjuncts in gold, none predicted",
    "last conjunct runs on": "right up to the last conjunct, which takes words after it",
    "values merged": "fewer conjuncts than gold, adjacent values joined",
    "other": "any other difference (scope, split values, ...)",
}


def error_kind(predicted: Sequence[str], gold: Sequence[str]) -> str:
    """The kind of a miss (an ERROR_KINDS key), from the predicted and gold
    conjunct texts of one utterance in text order; call it on misses only."""
    predicted = [normalize_conjunct(text) for text in predicted]
    gold = [normalize_conjunct(text) for text in gold]
    if not gold:
        return "name split"
    if not predicted:
        return "coordination missed"
    if len(gold) == len(predicted) and gold[:-1] == predicted[:-1] and predicted[-1].startswith(gold[-1] + " "):
        return "last conjunct runs on"
    if len(predicted) < len(gold) and " ".join(gold) == " ".join(predicted):
        return "values merged"
    return "other"
