"""Exact match and the kinds of misses."""
import pytest

from spacy_coord.scoring import ERROR_KINDS, error_kind, is_exact_match


def test_exact_match_ignores_case_punctuation_and_leading_determiner():
    assert is_exact_match(["The dollar,", "yen"], ["dollar", "the yen"])
    assert not is_exact_match(["dollar"], ["dollar", "yen"])


@pytest.mark.parametrize(
    "predicted,gold,kind",
    [
        (["hall", "oates"], [], "name split"),
        ([], ["tea", "milk"], "coordination missed"),
        (["rice", "beans tonight"], ["rice", "beans"], "last conjunct runs on"),
        (["rome madrid", "oslo"], ["rome", "madrid", "oslo"], "values merged"),
        (["on the fan", "close the blinds"], ["turn on the fan", "close the blinds"], "other"),
        # "coffee" + "coffeehouse" is not a run-on: whole words only.
        (["tea", "coffeehouse"], ["tea", "coffee"], "other"),
    ],
)
def test_error_kind(predicted, gold, kind):
    assert kind in ERROR_KINDS
    assert error_kind(predicted, gold) == kind
