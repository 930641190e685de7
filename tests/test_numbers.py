"""Spoken numbers with "and" inside stay whole."""

import pytest
import spacy

from spacy_coord.numbers import forbidden_in_numbers
from spacy_coord.tags import B, C

NLP = spacy.blank("en")


@pytest.mark.parametrize(
    "text,and_index",
    [
        ("nine hundred and ninety nine", 2),
        ("tune to one hundred and two point four fm", 4),
        ("set a timer for three hundred and 5 seconds", 6),
        ("two thousand and twenty", 2),
    ],
)
def test_and_inside_a_number_is_no_coordinator(text, and_index):
    forbidden = forbidden_in_numbers(NLP(text))
    assert forbidden[and_index, C] and forbidden[and_index + 1, B]
    assert forbidden.sum() == 2


@pytest.mark.parametrize(
    "text",
    [
        "add milk and eggs",
        "between two hundred and five hundred dollars",  # two numbers
        "a hundred and the rest",
        "and",
        "",
    ],
)
def test_other_ands_are_left_to_the_model(text):
    assert forbidden_in_numbers(NLP(text)) is None


def test_the_chunker_keeps_spoken_numbers_whole(trained_nlp):
    doc = trained_nlp("play one hundred and two point four fm and nine hundred and ninety nine")
    for conjunct in doc.spans["coord"]:
        assert conjunct.text not in ("one hundred", "two point four fm", "nine hundred", "ninety nine")
