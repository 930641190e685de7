"""Exact match (the runtime's scorer) and the statistics of reports:
intervals, paired tests and the kinds of misses."""

import pytest

from spacy_coord.scoring import is_exact_match
from spacy_coord.training.statistics import ERROR_KINDS, error_kind, exact_match_interval, paired_sign_test


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


def test_exact_match_interval_is_wilson_and_narrows_with_n():
    low, high = exact_match_interval(0.5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)  # the textbook 5 of 10
    small, large = exact_match_interval(0.64, 86), exact_match_interval(0.64, 860)
    assert small[0] < large[0] < 0.64 < large[1] < small[1]
    # A perfect score still has room below it, and none above.
    low, high = exact_match_interval(1.0, 300)
    assert 0.98 < low < 1.0 and high == pytest.approx(1.0)


@pytest.mark.parametrize("exact,n,problem", [(0.5, 0, "n=0"), (1.2, 10, "1.2")])
def test_exact_match_interval_rejects_what_is_no_rate(exact, n, problem):
    with pytest.raises(ValueError, match=problem):
        exact_match_interval(exact, n)


@pytest.mark.parametrize(
    "only_first,only_second,p",
    [
        (1, 9, 22 / 1024),  # 2 * P(at most 1 of 10 fair coin flips)
        (9, 1, 22 / 1024),
        (5, 5, 1.0),
        (0, 0, 1.0),  # nothing tells the systems apart
    ],
)
def test_paired_sign_test_is_exact_mcnemar(only_first, only_second, p):
    assert paired_sign_test(only_first, only_second) == pytest.approx(p)


def test_paired_sign_test_rejects_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        paired_sign_test(-1, 3)
