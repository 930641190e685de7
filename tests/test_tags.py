import pytest
import spacy
from training_data import find_spans

from spacy_coord.tags import TAG_IDS, infer_groups, is_valid, spans_to_tags, tags_to_spans

nlp = spacy.blank("en")


def tag_string(text, conjuncts):
    doc = nlp.make_doc(text)
    return doc, " ".join(spans_to_tags(doc, find_spans(doc, conjuncts)))


@pytest.mark.parametrize(
    "text,conjuncts,expected",
    [
        (
            "add bananas peanut butter and paper towels to my list",
            ["bananas", "peanut butter", "paper towels"],
            "O B B I C B I O O O",
        ),
        ("apples , oranges , and pears", ["apples", "oranges", "pears"], "B C B C C B"),
        ("pause the movie and then turn the lights on", ["pause the movie", "turn the lights on"], "B I I C C B I I I"),
        ("from denver to miami and orlando", ["miami", "orlando"], "O O O B C B"),
        ("play simon and garfunkel", [], "O O O O"),
    ],
)
def test_spans_to_tags(text, conjuncts, expected):
    doc, tags = tag_string(text, conjuncts)
    assert tags == expected
    ids = [TAG_IDS[t] for t in tags.split()]
    assert is_valid(ids)
    spans, scores, groups = tags_to_spans(doc, ids)
    assert [s.text for s in spans] == conjuncts
    assert len(groups) == (1 if conjuncts else 0)


def test_non_coordinator_words_split_groups():
    doc = nlp.make_doc("from denver to miami and orlando")
    groups = infer_groups(doc, [doc[1:2], doc[3:4], doc[5:6]])
    assert [[s.text for s in g] for g in groups] == [["denver"], ["miami", "orlando"]]


def test_single_conjunct_is_dropped_and_two_groups_kept():
    doc = nlp.make_doc("call mom and dad then text tom or ann x")
    ids = [TAG_IDS[t] for t in "O B C B O O B C B B".split()]
    spans, scores, groups = tags_to_spans(doc, ids, [0.9, 0.8, 1, 0.5, 1, 1, 1, 1, 1, 0.2])
    assert [s.text for s in spans] == ["mom", "dad", "tom", "ann", "x"]
    assert [g.text for g in groups] == ["mom and dad", "tom or ann x"]
    assert scores == pytest.approx([0.8, 0.5, 1, 1, 0.2])
    lone = [TAG_IDS[t] for t in "O B O O O O O O O O".split()]
    assert tags_to_spans(doc, lone)[0] == []


@pytest.mark.parametrize(
    "tags,valid", [("C B", False), ("B C", False), ("I", False), ("O C B", False), ("B C C B I O", True), ("", True)]
)
def test_validity(tags, valid):
    assert is_valid([TAG_IDS[t] for t in tags.split()]) == valid


def _tags(doc, tags):
    ids = [TAG_IDS[t] for t in tags.split()]
    assert len(ids) == len(doc) and is_valid(ids)
    return ids


@pytest.mark.parametrize(
    "text,tags,expected",
    [
        # A conjunct that is only a line break: the coordination is left with one conjunct.
        ("play some jazz and\nturn off the kitchen lights", "O O B C B O O O O O", []),
        # A clause starting with the line break: trimmed.
        (
            "play some jazz and\nturn off the kitchen lights",
            "B I I C B I I I I I",
            ["play some jazz", "turn off the kitchen lights"],
        ),
        # A double space after a conjunct: trimmed off its end.
        ("call mom  or dad", "O B I C B", ["mom", "dad"]),
        # Whitespace inside a conjunct stays.
        ("add peanut  butter and jam", "O B I I C B", ["peanut  butter", "jam"]),
    ],
)
def test_whitespace_never_at_a_conjunct_edge(text, tags, expected):
    doc = nlp.make_doc(text)
    spans, scores, groups = tags_to_spans(doc, _tags(doc, tags))
    assert [s.text for s in spans] == expected
    assert len(scores) == len(spans)
    assert all(not s[0].is_space and not s[-1].is_space for s in spans + groups)
    assert [g.text for g in groups] == ([f"{doc[spans[0].start : spans[-1].end].text}"] if spans else [])


def test_whitespace_conjunct_dropped_scores_stay_aligned():
    # "\n" is tagged as a conjunct of its own between "jazz" and "rock".
    doc = nlp.make_doc("play jazz \n and rock or pop")
    assert [t.text for t in doc] == ["play", "jazz", "\n ", "and", "rock", "or", "pop"]
    ids = _tags(doc, "O B B C B C B")
    spans, scores, groups = tags_to_spans(doc, ids, [1, 0.9, 0.1, 1, 0.7, 1, 0.6])
    assert [s.text for s in spans] == ["jazz", "rock", "pop"]
    assert scores == pytest.approx([0.9, 0.7, 0.6])
    assert [g.text for g in groups] == ["jazz \n and rock or pop"]
    # Of two coordinations, only the one left with two conjuncts is kept.
    doc = nlp.make_doc("call mom and  then ben or ann")
    ids = _tags(doc, "O B C B O B C B")
    spans, scores, groups = tags_to_spans(doc, ids, [1, 0.5, 1, 0.2, 1, 0.3, 1, 0.4])
    assert [s.text for s in spans] == ["ben", "ann"]
    assert scores == pytest.approx([0.3, 0.4])
    assert [g.text for g in groups] == ["ben or ann"]
