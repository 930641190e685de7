"""Splitting coordinated utterances (spacy_coord.split), on hand-annotated docs."""

import json
import warnings

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from training_data import find_spans

from spacy_coord.split import SplitUtterance, split_docs, split_records, split_utterances

nlp = spacy.blank("en")


def annotate(doc: Doc, *groups, spans_key="coord", groups_key="coord_groups", with_groups=True) -> Doc:
    """Set conjuncts (and coordinations) by text: each group is a list of
    conjunct strings, found left to right in the text."""
    conjuncts = find_spans(doc, [text for group in groups for text in group], label="CONJUNCT")
    group_spans, start = [], 0
    for group in groups:
        spans = conjuncts[start : start + len(group)]
        start += len(group)
        group_spans.append(doc[spans[0].start : spans[-1].end])
    doc.spans[spans_key] = conjuncts
    doc.spans[spans_key].attrs["scores"] = [1.0] * len(conjuncts)
    if with_groups:
        doc.spans[groups_key] = [doc[g.start : g.end] for g in group_spans]
        for span in doc.spans[groups_key]:
            span.label_ = "COORDINATION"
    return doc


def make(text, *groups, **kwargs) -> Doc:
    return annotate(nlp.make_doc(text), *groups, **kwargs)


def check_maps(doc: Doc, utterances):
    """Every character of every variant points at the same character of doc.text."""
    doc_text = doc.text
    for utt in utterances:
        assert isinstance(utt, SplitUtterance)
        assert len(utt.char_map) == len(utt.text)
        assert all(0 <= i < len(doc_text) for i in utt.char_map)
        assert "".join(doc_text[i] for i in utt.char_map) == utt.text
        assert list(utt.char_map) == sorted(set(utt.char_map))  # in order, no repeats
        assert "".join(doc_text[s:e] for s, e in utt.source_ranges) == utt.text
        assert "  " not in utt.text or "  " in doc_text


def texts(doc, **kwargs):
    utterances = split_utterances(doc, **kwargs)
    check_maps(doc, utterances)
    return [u.text for u in utterances]


def test_entity_list():
    doc = make(
        "add bananas peanut butter and paper towels to my list",
        ["bananas", "peanut butter", "paper towels"],
    )
    utterances = split_utterances(doc)
    check_maps(doc, utterances)
    assert [u.text for u in utterances] == [
        "add bananas to my list",
        "add peanut butter to my list",
        "add paper towels to my list",
    ]
    assert [u.conjuncts for u in utterances] == [(0,), (1,), (2,)]
    # "peanut butter" points at the original "peanut butter"
    second = utterances[1]
    start = second.text.index("peanut")
    assert second.char_map[start] == doc.text.index("peanut")


def test_compound_intents():
    doc = make(
        "play some jazz and turn off the kitchen lights",
        ["play some jazz", "turn off the kitchen lights"],
    )
    assert texts(doc) == ["play some jazz", "turn off the kitchen lights"]


def test_list_commas_leave_no_space_before_a_comma():
    doc = make("add apples , pears , and plums to my list", ["apples", "pears", "plums"])
    assert texts(doc) == ["add apples to my list", "add pears to my list", "add plums to my list"]
    doc = make("add apples, pears, and plums, please", ["apples", "pears", "plums"])
    assert texts(doc) == ["add apples, please", "add pears, please", "add plums, please"]
    doc = make("buy apples and pears.", ["apples", "pears"])
    assert texts(doc) == ["buy apples.", "buy pears."]


def test_shared_head():
    doc = make("buy green and red apples", ["green", "red"])
    assert texts(doc) == ["buy green apples", "buy red apples"]


def test_multiword_coordinators():
    doc = make("pause the movie and then turn the lights on", ["pause the movie", "turn the lights on"])
    assert texts(doc) == ["pause the movie", "turn the lights on"]
    doc = make("add milk as well as eggs", ["milk", "eggs"])
    assert texts(doc) == ["add milk", "add eggs"]


def test_range_kept_whole_by_default():
    doc = make("set the heating between two and four pm", ["two", "four"])
    assert texts(doc) == ["set the heating between two and four pm"]
    assert split_utterances(doc)[0].conjuncts == ()
    # a range is only "between X and Y": "or" is a real choice
    doc = make("between two or four pm", ["two", "four"])
    assert texts(doc) == ["between two pm", "between four pm"]


def test_range_split_keeps_pm_where_the_conjuncts_put_it():
    shared = make("between two and four pm", ["two", "four"])
    assert texts(shared, keep_ranges=False) == ["between two pm", "between four pm"]
    own = make("between two and four pm", ["two", "four pm"])
    assert texts(own, keep_ranges=False) == ["between two", "between four pm"]


def test_determiners_stay_with_their_conjunct():
    doc = make("compare the dollar and the yen", ["the dollar", "the yen"])
    assert texts(doc) == ["compare the dollar", "compare the yen"]
    # the determiner before the coordination belongs to the first conjunct
    doc = make("compare the dollar and the yen", ["dollar", "the yen"])
    assert texts(doc) == ["compare the dollar", "compare the yen"]
    doc = make("compare the dollar and a yen", ["dollar", "a yen"])
    assert texts(doc) == ["compare the dollar", "compare a yen"]
    # a conjunct without its own determiner shares it
    doc = make("compare the dollar and yen", ["dollar", "yen"])
    assert texts(doc) == ["compare the dollar", "compare the yen"]


def test_correlatives_are_left_out():
    doc = make("play either jazz or blues", ["jazz", "blues"])
    assert texts(doc) == ["play jazz", "play blues"]
    doc = make("buy both the apples and the pears", ["apples", "the pears"])
    assert texts(doc) == ["buy the apples", "buy the pears"]
    # "both" does not pair with "or"
    doc = make("buy both apples or pears", ["apples", "pears"])
    assert texts(doc) == ["buy both apples", "buy both pears"]


@pytest.mark.parametrize("text", ["play simon and garfunkel", "what time is it", ""])
def test_no_coordination_gives_the_utterance_once(text):
    doc = make(text)
    utterances = split_utterances(doc)
    check_maps(doc, utterances)
    assert utterances == [SplitUtterance(text, tuple(range(len(text))), ())]


def test_one_token_and_empty_docs():
    doc = make("hello")
    assert texts(doc) == ["hello"]
    assert [d.text for d in split_docs(doc)] == ["hello"]
    empty = make("")
    assert len(empty) == 0
    assert texts(empty) == [""]
    docs = split_docs(empty)
    assert len(docs) == 1 and len(docs[0]) == 0
    assert split_records(empty) == [{"text": "", "char_map": []}]


def test_single_conjunct_or_conjuncts_outside_groups_are_not_split():
    doc = nlp.make_doc("call mom and dad")
    doc.spans["coord"] = [doc[1:2]]
    doc.spans["coord_groups"] = [doc[1:4]]
    assert texts(doc) == ["call mom and dad"]
    doc = nlp.make_doc("call mom and dad")
    doc.spans["coord"] = [doc[1:2], doc[3:4]]
    doc.spans["coord_groups"] = []
    assert texts(doc) == ["call mom and dad"]


def test_groups_inferred_when_the_groups_key_is_missing():
    doc = make("buy green and red apples", ["green", "red"], with_groups=False)
    assert "coord_groups" not in doc.spans
    assert texts(doc) == ["buy green apples", "buy red apples"]


def test_custom_keys_and_missing_key_error():
    doc = make("buy green and red apples", ["green", "red"], spans_key="c", groups_key="g")
    assert texts(doc, spans_key="c", groups_key="g") == ["buy green apples", "buy red apples"]
    with pytest.raises(ValueError, match="'coord'"):
        split_utterances(doc)
    with pytest.raises(ValueError, match="'coord'"):
        split_utterances(nlp.make_doc("hello"))


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_bad_max_variants(value):
    doc = make("buy green and red apples", ["green", "red"])
    with pytest.raises(ValueError, match="max_variants"):
        split_utterances(doc, max_variants=value)


def test_two_coordinations_give_the_product():
    doc = make(
        "add apples and pears to my list and play jazz or blues",
        ["apples", "pears"],
        ["jazz", "blues"],
    )
    utterances = split_utterances(doc)
    check_maps(doc, utterances)
    assert [u.text for u in utterances] == [
        "add apples to my list and play jazz",
        "add apples to my list and play blues",
        "add pears to my list and play jazz",
        "add pears to my list and play blues",
    ]
    assert [u.conjuncts for u in utterances] == [(0, 2), (0, 3), (1, 2), (1, 3)]


def test_max_variants_limits_the_product():
    doc = make(
        "add apples pears and plums and play jazz or blues",
        ["apples", "pears", "plums"],
        ["jazz", "blues"],
    )
    assert len(split_utterances(doc)) == 6
    with pytest.warns(UserWarning, match="6 utterances"):
        limited = split_utterances(doc, max_variants=4)
    check_maps(doc, limited)
    assert [u.text for u in limited] == [
        "add apples and play jazz",
        "add apples and play blues",
        "add pears and play jazz",
        "add pears and play blues",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(split_utterances(doc, max_variants=6)) == 6


def test_overlapping_groups_use_the_first():
    doc = nlp.make_doc("add apples and pears and play jazz")
    doc.spans["coord"] = [doc[0:4], doc[1:2], doc[3:4], doc[5:7]]
    doc.spans["coord_groups"] = [doc[0:7], doc[1:4]]
    assert texts(doc) == ["add apples and pears", "play jazz"]


def test_original_doc_is_not_changed():
    doc = make("buy green and red apples", ["green", "red"])
    before = (
        doc.to_bytes(),
        [(s.start, s.end) for s in doc.spans["coord"]],
        [(s.start, s.end) for s in doc.spans["coord_groups"]],
    )
    split_utterances(doc)
    split_docs(doc)
    split_records(doc)
    after = (
        doc.to_bytes(),
        [(s.start, s.end) for s in doc.spans["coord"]],
        [(s.start, s.end) for s in doc.spans["coord_groups"]],
    )
    assert before == after


def test_split_docs():
    doc = make("add apples, pears and plums, please", ["apples", "pears", "plums"])
    docs = split_docs(doc)
    utterances = split_utterances(doc)
    assert (
        [d.text for d in docs]
        == [u.text for u in utterances]
        == [
            "add apples, please",
            "add pears, please",
            "add plums, please",
        ]
    )
    for new, utt in zip(docs, utterances):
        assert new.vocab is doc.vocab
        assert new is not doc
        assert [t.text for t in new] == ["add", utt.text.split()[1].rstrip(","), ",", "please"]
        assert new.user_data["spacy_coord.split"] == {"char_map": list(utt.char_map), "conjuncts": list(utt.conjuncts)}
        # tokens point back at the same tokens of the original
        for token in new:
            orig = utt.char_map[token.idx]
            assert doc.text[orig : orig + len(token.text)] == token.text
    # the new docs go through a pipeline and serialize
    assert [d.text for d in nlp.pipe(docs)] == [d.text for d in docs]
    DocBin(docs=docs, store_user_data=True).to_bytes()


def test_split_records_are_json_ready():
    doc = make("buy green and red apples", ["green", "red"])
    records = split_records(doc)
    assert json.loads(json.dumps(records)) == records
    assert records[0] == {"text": "buy green apples", "char_map": list(range(0, 9)) + list(range(17, 24))}
    with pytest.warns(UserWarning, match="max_variants=1"):
        assert [r["text"] for r in split_records(doc, keep_ranges=False, max_variants=1)] == ["buy green apples"]


def test_non_ascii_and_extra_whitespace():
    doc = make("añade café  y té 🍵 a la lista", ["café", "té"])
    # "y" is not an English coordinator word, but the group says it is one
    assert texts(doc) == ["añade café 🍵 a la lista", "añade té 🍵 a la lista"]
    doc = make("buy  green and red\napples", ["green", "red"])
    assert texts(doc) == ["buy  green\napples", "buy  red\napples"]
    assert [d.text for d in split_docs(doc)] == ["buy  green\napples", "buy  red\napples"]


COORD_PATTERNS = {
    "add bananas peanut butter and paper towels to my list": [["bananas", "peanut butter", "paper towels"]],
    "play some jazz and turn off the kitchen lights": [["play some jazz", "turn off the kitchen lights"]],
    "buy green and red apples": [["green", "red"]],
    "compare the dollar and the yen": [["the dollar", "the yen"]],
}


@Language.component("test_split_fake_coord")
def fake_coord(doc: Doc) -> Doc:
    """Set coordinations from a fixed table, as coord_chunker would."""
    annotate(doc, *COORD_PATTERNS.get(doc.text, []))
    return doc


def test_docs_from_nlp_pipe():
    pipe_nlp = spacy.blank("en")
    pipe_nlp.add_pipe("test_split_fake_coord")
    utterances = list(COORD_PATTERNS) + ["play simon and garfunkel", "", "hi"]
    piped = list(pipe_nlp.pipe(utterances, batch_size=2))
    called = [pipe_nlp(text) for text in utterances]
    for doc, one in zip(piped, called):
        result = split_utterances(doc)
        check_maps(doc, result)
        assert result == split_utterances(one)
        assert [d.text for d in split_docs(doc)] == [u.text for u in result]
    assert [[u.text for u in split_utterances(d)] for d in piped] == [
        ["add bananas to my list", "add peanut butter to my list", "add paper towels to my list"],
        ["play some jazz", "turn off the kitchen lights"],
        ["buy green apples", "buy red apples"],
        ["compare the dollar", "compare the yen"],
        ["play simon and garfunkel"],
        [""],
        ["hi"],
    ]
    # after a DocBin round trip (as from nlp.pipe with n_process > 1)
    restored = list(DocBin(docs=piped).from_bytes(DocBin(docs=piped).to_bytes()).get_docs(pipe_nlp.vocab))
    assert [split_records(d) for d in restored] == [split_records(d) for d in piped]


class CountingDoc(Doc):
    """A Doc that counts reads of `doc.text` (which spaCy rebuilds on every read)."""

    reads = 0

    @property
    def text(self) -> str:
        CountingDoc.reads += 1
        return super().text


def test_long_line_reads_the_text_once():
    # 100 coordinations in one 2,200-character line: reading doc.text per
    # character of every variant made this quadratic (25 s).
    words, spaces, pairs = [], [], []
    for i in range(100):
        pairs.append((f"x{i:03d}", f"y{i:03d}"))
        words += ["add", f"x{i:03d}", "and", f"y{i:03d}", "now"]
    spaces = [True] * (len(words) - 1) + [False]
    doc = annotate(CountingDoc(nlp.vocab, words=words, spaces=spaces), *pairs)
    assert len(doc.text) == 2199
    CountingDoc.reads = 0
    with pytest.warns(UserWarning, match="max_variants=64"):
        utterances = split_utterances(doc)
    assert CountingDoc.reads == 1
    check_maps(doc, utterances)
    assert len(utterances) == 64
    assert utterances[0].text == " ".join(f"add x{i:03d} now" for i in range(100))
    assert utterances[1].text.endswith("add x098 now add y099 now")
