"""Readers of SNIPS, SGD, CLINC150 and the bracket format; gold docs; DocBins."""

import json
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from spacy_coord import get_domain
from spacy_coord.corpus import (
    decode_text,
    doc_to_bracket_line,
    format_bracket_line,
    make_gold_doc,
    parse_bracket_line,
    read_bracket_docs,
    read_docbin,
    write_docbin,
)
from spacy_coord.msgpack_hooks import cached_msgpack_hooks
from spacy_coord.tags import TAG_IDS, is_valid, spans_to_tags
from spacy_coord.training.corpora import (
    Utterance,
    outside_coordinators,
    read_clinc150,
    read_sgd_file,
    read_snips_file,
    utterance_from_segments,
)

CORPORA = Path(__file__).parents[2] / "shared" / "corpora"


def _snips_json(intent, pieces_list):
    return {intent: [{"data": pieces} for pieces in pieces_list]}


@pytest.fixture
def nlp():
    return spacy.blank("en")


def test_snips_latin1_file(tmp_path):
    data = _snips_json(
        "PlayMusic", [[{"text": "play "}, {"text": "Música Ligera ", "entity": "track"}, {"text": "now"}]]
    )
    path = tmp_path / "train_PlayMusic_full.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("latin-1"))
    (utt,) = read_snips_file(path)
    assert utt.text == "play Música Ligera now"
    assert utt.domain == "PlayMusic" and utt.source == "snips"
    # whitespace around the value moves out of the slot
    assert [utt.text[s:e] for s, e, _ in utt.slots] == ["Música Ligera"]


def test_decode_utf8_and_surrogate_pairs():
    assert decode_text("Música".encode("utf-8")) == "Música"
    assert decode_text("\ufeffabc".encode("utf-8")) == "abc"
    cesu = "🍕".encode("utf-16-le").decode("utf-16-le", "surrogatepass")
    raw = "a ".encode() + "\ud83c\udf55".encode("utf-8", "surrogatepass")
    assert decode_text(raw) == "a 🍕" == "a " + cesu
    mixed = "Música\n".encode("utf-8") + "Canción".encode("latin-1")
    assert decode_text(mixed) == "Música\nCanción"


def test_snips_malformed_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "PlayMusic": [\n    {"data": [}\n  ]\n}\n', encoding="utf8")
    with pytest.raises(ValueError, match=r"bad\.json:3"):
        read_snips_file(path)
    path.write_text(json.dumps({"PlayMusic": [{"data": [{"entity": "x"}]}]}), encoding="utf8")
    with pytest.raises(ValueError, match=r"bad\.json.*utterance 0"):
        read_snips_file(path)


def test_sgd_reader_and_errors(tmp_path):
    path = tmp_path / "train.jsonl"
    good = {
        "text": "in San Jose and Fresno",
        "services": ["Restaurants_1"],
        "slots": [[3, 11, "city"], [16, 22, "city"]],
    }
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(good) + "\n", encoding="utf8")
    utts = list(read_sgd_file(path))
    assert len(utts) == 2
    assert utts[0].domain == "Restaurants"
    assert [utts[0].text[s:e] for s, e, _ in utts[0].slots] == ["San Jose", "Fresno"]
    assert outside_coordinators(utts[0]) == [(12, 15)]
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"train\.jsonl:2"):
        list(read_sgd_file(path))
    bad = dict(good, slots=[[3, 99, "city"]])
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"train\.jsonl:3.*out of range"):
        list(read_sgd_file(path))


def test_sgd_overlapping_slots_keep_longer(tmp_path):
    path = tmp_path / "dev.jsonl"
    record = {
        "text": "watch it at Century at Hayward.",
        "services": ["Movies_1"],
        "slots": [[12, 30, "theater_name"], [23, 30, "location"]],
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf8")
    (utt,) = read_sgd_file(path)
    assert utt.slots == ((12, 30, "theater_name"),)


def test_state_or_is_no_coordinator():
    utt = Utterance("fly from Portland, OR to Fresno or Reno", (), "Flights", "sgd", "x")
    assert [utt.text[s:e] for s, e in outside_coordinators(utt)] == ["or"]


def test_clinc150_reader(tmp_path):
    (tmp_path / "data_full.json").write_text(
        json.dumps(
            {
                "train": [["share my location with melissa and doug", "share_location"]],
                "oos_train": [["hi there", "oos"]],
            }
        )
    )
    (tmp_path / "domains.json").write_text(json.dumps({"travel": ["share_location"]}))
    utts = read_clinc150(tmp_path)
    assert [(u.domain, u.source, u.intent) for u in utts] == [
        ("travel", "clinc150", "share_location"),
        ("out_of_scope", "clinc150", "oos"),
    ]
    (tmp_path / "domains.json").write_text(json.dumps({"travel": []}))
    with pytest.raises(ValueError, match="share_location"):
        read_clinc150(tmp_path)


@pytest.mark.parametrize(
    "line,text,conjuncts",
    [
        (
            "Add [Milk], [Bread], and [Butter] to my list.",
            "Add Milk, Bread, and Butter to my list.",
            ["Milk", "Bread", "Butter"],
        ),
        ("play simon and garfunkel", "play simon and garfunkel", []),
        (
            "put [apples] , [oranges] , and [greek yogurt] on my list",
            "put apples , oranges , and greek yogurt on my list",
            ["apples", "oranges", "greek yogurt"],
        ),
    ],
)
def test_bracket_round_trip(nlp, line, text, conjuncts):
    parsed_text, spans = parse_bracket_line(line)
    assert parsed_text == text
    assert [parsed_text[s:e] for s, e in spans] == conjuncts
    assert format_bracket_line(parsed_text, spans) == line
    doc = make_gold_doc(nlp, parsed_text, conjuncts=spans, domain="natural")
    assert [s.text for s in doc.spans["coord"]] == conjuncts
    assert len(doc.spans["coord_groups"]) == (1 if conjuncts else 0)
    assert doc_to_bracket_line(doc) == line
    assert is_valid([TAG_IDS[t] for t in spans_to_tags(doc, doc.spans["coord"], doc.spans["coord_groups"])])


def test_bracket_groups_inferred(nlp):
    text, spans = parse_bracket_line("[play some jazz] and [turn off the lights] then call [mom] or [dad]")
    doc = make_gold_doc(nlp, text, conjuncts=spans)
    assert [g.text for g in doc.spans["coord_groups"]] == ["play some jazz and turn off the lights", "mom or dad"]
    assert all(s.label_ == "CONJUNCT" for s in doc.spans["coord"])
    assert all(g.label_ == "COORDINATION" for g in doc.spans["coord_groups"])


@pytest.mark.parametrize(
    "line", ["add [milk and eggs", "add milk] and eggs", "add [[milk]] and [eggs]", "add [ ] and [eggs]"]
)
def test_bracket_malformed(tmp_path, line):
    path = tmp_path / "dev.txt"
    path.write_text("add [milk] and [eggs]\n" + line + "\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"dev\.txt:2"):
        read_bracket_docs(path)


def test_bracket_misaligned_line(tmp_path):
    path = tmp_path / "dev.txt"
    path.write_text("add [mil]k and [eggs]\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"dev\.txt:1.*align"):
        read_bracket_docs(path)


def test_gold_doc_misaligned_returns_none(nlp):
    assert make_gold_doc(nlp, "add milk and eggs", groups=[[(4, 7), (13, 17)]]) is None


def test_docbin_round_trip(tmp_path, nlp):
    docs = [
        make_gold_doc(nlp, "call mom or dad", groups=[[(5, 8), (12, 15)]], domain="phone"),
        make_gold_doc(nlp, "play simon and garfunkel", domain="PlayMusic"),
    ]
    path = tmp_path / "out" / "x.spacy"
    assert write_docbin(docs, path) == 2
    assert [p.name for p in path.parent.iterdir()] == ["x.spacy"]  # no temp file left
    loaded = read_docbin(path)
    assert [[s.text for s in d.spans["coord"]] for d in loaded] == [["mom", "dad"], []]
    assert [[s.text for s in d.spans["coord_groups"]] for d in loaded] == [["mom or dad"], []]
    assert [get_domain(d) for d in loaded] == ["phone", "PlayMusic"]
    assert loaded[0].spans["coord"][0].label_ == "CONJUNCT"


def test_write_docbin_failure_leaves_nothing(tmp_path, nlp):
    def broken():
        yield make_gold_doc(nlp, "call mom")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_docbin(broken(), tmp_path / "x.spacy")
    assert list(tmp_path.iterdir()) == []


def test_registered_bracket_reader(tmp_path, nlp):
    path = tmp_path / "dev.txt"
    path.write_text("# comment\ncall [mom] or [dad]\n\ncall mom\n", encoding="utf8")
    reader = spacy.registry.readers.get("spacy-coord.BracketCorpus.v1")(path)
    examples = list(reader(nlp))
    assert all(isinstance(eg, Example) for eg in examples)
    assert [[s.text for s in eg.reference.spans["coord"]] for eg in examples] == [["mom", "dad"], []]
    assert get_domain(examples[0].reference) == "natural"


def test_in_memory_reader_reads_once_and_makes_fresh_docs(tmp_path, nlp):
    path = tmp_path / "train.spacy"
    write_docbin([make_gold_doc(nlp, "call mom or dad", groups=[[(5, 8), (12, 15)]], domain="phone")], path)
    reader = spacy.registry.readers.get("spacy-coord.InMemoryCorpus.v1")(path)
    first = list(reader(nlp))
    path.unlink()  # a second pass must not need the file
    second = list(reader(nlp))
    assert [s.text for s in second[0].reference.spans["coord"]] == ["mom", "dad"]
    assert get_domain(second[0].reference) == "phone"
    assert second[0].predicted is not first[0].predicted
    assert second[0].reference is first[0].reference


def test_in_memory_reader_without_path():
    with pytest.raises(ValueError, match="paths.train"):
        spacy.registry.readers.get("spacy-coord.InMemoryCorpus.v1")(None)


def test_cached_msgpack_hooks_restores_lookup():
    from srsly.msgpack import msgpack_decoders

    before = msgpack_decoders.get_all()
    with cached_msgpack_hooks():
        assert msgpack_decoders.get_all() == before
        assert "get_all" in vars(msgpack_decoders)
    assert "get_all" not in vars(msgpack_decoders)


def test_segments_round_trip():
    utt = Utterance("play simon and garfunkel now", ((5, 24, "artist"),), "PlayMusic", "snips", "u1")
    assert utterance_from_segments(utt.segments(), utt.domain, utt.source, utt.uid) == utt


@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_real_corpora_samples():
    utts = read_snips_file(CORPORA / "snips" / "train_PlayMusic_full.json")
    assert len(utts) > 1000
    assert any("🍕" in u.text for u in utts)  # a surrogate pair, decoded
    assert all(u.text[s:e].strip() == u.text[s:e] for u in utts for s, e, _ in u.slots)
    sgd = list(read_sgd_file(CORPORA / "sgd" / "dev.jsonl", limit=200))
    assert len(sgd) == 200 and all(u.domain for u in sgd)
    docs = read_bracket_docs(CORPORA / "natural_dev.txt")
    assert len(docs) > 50
    milk = next(d for d in docs if d.text.startswith("Add Milk"))
    assert [s.text for s in milk.spans["coord"]] == ["Milk", "Bread", "Butter"]


def test_misaligned_bracket_lines_raise_or_are_left_out_when_asked(tmp_path):
    path = tmp_path / "outside.txt"
    path.write_text("in [zimbabwe] and [orlando fl]orida\nplay [jazz] and [blues]\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"outside.txt:1: a conjunct does not align"):
        read_bracket_docs(path)
    misaligned = []
    docs = read_bracket_docs(path, misaligned=misaligned)
    assert [d.text for d in docs] == ["play jazz and blues"]
    assert misaligned == [f"{path}:1"]
