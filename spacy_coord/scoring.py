"""Conjunct precision/recall/F and utterance exact match."""

import math
import re
from typing import Any, Callable, Dict, Iterable, List, Sequence, Set, Tuple

from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from .tags import SPANS_KEY

_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
# Words that may lead a conjunct in one annotation and not in another.
_LEADING_WORDS = {"the", "a", "an", "please"}


def normalize_conjunct(text: str) -> str:
    """Lower-case `text`, strip surrounding punctuation and one leading
    determiner or "please", so that "The dollar," equals "dollar"."""
    words = _EDGE_PUNCT.sub("", text.lower()).split()
    if len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    return " ".join(words)


def conjunct_set(texts: Iterable[str]) -> Set[str]:
    """The normalized conjunct strings of one utterance."""
    return {normalize_conjunct(text) for text in texts}


def is_exact_match(predicted: Iterable[str], gold: Iterable[str]) -> bool:
    """All gold conjuncts found and nothing extra (compared as normalized sets)."""
    return conjunct_set(predicted) == conjunct_set(gold)


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


def _conjunct_texts(doc: Doc, spans_key: str) -> List[str]:
    return [span.text for span in doc.spans.get(spans_key, [])]


def exact_matches(examples: Iterable[Example], *, spans_key: str = SPANS_KEY) -> List[bool]:
    """Whether each example's predicted conjuncts match its gold ones
    exactly (see `is_exact_match`).

    examples (Iterable[Example]): Examples with predicted and gold conjuncts.
    spans_key (str): The `doc.spans` key holding the conjuncts.
    RETURNS (List[bool]): One flag per example.
    """
    return [
        is_exact_match(_conjunct_texts(eg.predicted, spans_key), _conjunct_texts(eg.reference, spans_key))
        for eg in examples
    ]


def score_coord(examples: Iterable[Example], *, spans_key: str = SPANS_KEY, **kwargs: Any) -> Dict[str, Any]:
    """Score conjunct spans of `examples`.

    examples (Iterable[Example]): Examples with predicted and gold conjuncts.
    spans_key (str): The `doc.spans` key holding the conjuncts.
    RETURNS (Dict[str, Any]): `spans_{key}_p`, `_r`, `_f` (token-exact
        conjunct spans) and `spans_{key}_exact` (share of utterances whose
        conjunct set matches the gold one exactly).
    """
    examples = [eg for eg in examples if spans_key in eg.reference.spans]
    attr = f"spans_{spans_key}"
    scores = Scorer.score_spans(
        examples,
        attr=attr,
        getter=lambda doc, _: doc.spans.get(spans_key, []),
        has_annotation=lambda doc: spans_key in doc.spans,
        labeled=False,
        allow_overlap=True,
    )
    scores.pop(f"{attr}_per_type", None)
    matches = exact_matches(examples, spans_key=spans_key)
    scores[f"{attr}_exact"] = sum(matches) / len(matches) if matches else None
    return scores


@registry.scorers("spacy-coord.coord_scorer.v1")
def make_coord_scorer() -> Callable[..., Dict[str, Any]]:
    """The scorer of `coord_chunker`.

    RETURNS (Callable[..., Dict[str, Any]]): `score_coord`.
    """
    return score_coord
