"""Conjunct precision/recall/F and utterance exact match."""

import re
from typing import Any, Callable, Dict, Iterable, List, Set

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
