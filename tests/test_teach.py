"""The teacher labels a student's data: scripts/teach.py and spacy_coord.training.teach."""

import subprocess
import sys
from pathlib import Path

import pytest
from training_data import TRAIN_DATA, make_example

from spacy_coord.corpus import read_docbin, write_docbin
from spacy_coord.soft_targets import get_tag_probs
from spacy_coord.training.splits import text_key
from spacy_coord.training.teach import MAX_UTTERANCE_CHARS, read_utterances, teach

ROOT = Path(__file__).parents[1]


def run_teach(tmp_path: Path, *options: str) -> subprocess.CompletedProcess:
    """scripts/teach.py on tmp_path's teacher, train.spacy, utterances.txt and eval/."""
    arguments = [str(tmp_path / name) for name in ("teacher", "train.spacy", "utterances.txt", "eval", "out.spacy")]
    command = [sys.executable, str(ROOT / "scripts" / "teach.py"), *arguments, *options]
    return subprocess.run(command, capture_output=True, text=True)


def test_read_utterances_skips_blank_long_repeated_and_held_out(tmp_path):
    path = tmp_path / "mine.txt"
    lines = [
        "play jazz and blues",
        "",
        "  ",
        "Play  Jazz and blues",
        "x" * (MAX_UTTERANCE_CHARS + 1),
        "call mom",
        "dim the lights",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    assert read_utterances(path, exclude={text_key("dim the lights")}) == ["play jazz and blues", "call mom"]


@pytest.mark.parametrize("content", ["", "\n \n\t\n"])
def test_read_utterances_names_an_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match="empty.txt: no utterance"):
        read_utterances(path)


def test_read_utterances_names_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="missing.txt: no such file"):
        read_utterances(tmp_path / "missing.txt")


def test_teach_keeps_gold_or_labels(trained_nlp):
    gold = [make_example(trained_nlp, text, conjuncts).reference for text, conjuncts, _ in TRAIN_DATA]
    before = [[span.text for span in doc.spans["coord"]] for doc in gold]
    teach(trained_nlp, gold, keep_gold=True, batch_size=2)
    assert [[span.text for span in doc.spans["coord"]] for doc in gold] == before
    assert all(get_tag_probs(doc) is not None for doc in gold)
    unlabeled = [trained_nlp.make_doc(text) for text, _, _ in TRAIN_DATA]
    teach(trained_nlp, unlabeled, keep_gold=False, batch_size=3)
    assert [[span.text for span in doc.spans["coord"]] for doc in unlabeled] == before


def test_teach_script_writes_the_students_data(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "teacher")
    train = [make_example(trained_nlp, text, conjuncts).reference for text, conjuncts, _ in TRAIN_DATA]
    write_docbin(train, tmp_path / "train.spacy")
    (tmp_path / "eval").mkdir()
    write_docbin([trained_nlp.make_doc("call dad or mom")], tmp_path / "eval" / "natural_dev.spacy")
    # Repeats of the training texts and of the evaluation text are left out.
    (tmp_path / "utterances.txt").write_text("call dad or mom\nturn on the fan and the heater\nadd milk and eggs\n")
    (tmp_path / "mine.txt").write_text("play simon and garfunkel\nbook a table and call a cab\n")
    result = run_teach(
        tmp_path, "--n-examples", "2", "--n-utterances", "1", "--own-utterances", str(tmp_path / "mine.txt")
    )
    assert result.returncode == 0, result.stderr[-2000:]
    docs = read_docbin(tmp_path / "out.spacy")
    assert [doc.text for doc in docs] == [doc.text for doc in train] + [
        "turn on the fan and the heater",
        "book a table and call a cab",
    ]
    assert [get_tag_probs(doc) is not None for doc in docs] == [True, True, False, False, True, True]


def test_teach_script_names_a_bad_own_file(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "teacher")
    write_docbin([make_example(trained_nlp, "call mom or dad", ["mom", "dad"]).reference], tmp_path / "train.spacy")
    (tmp_path / "eval").mkdir()
    (tmp_path / "utterances.txt").write_text("add milk and eggs\n")
    result = run_teach(tmp_path, "--own-utterances", str(tmp_path / "nothing.txt"))
    assert result.returncode == 1
    assert "nothing.txt: no such file" in " ".join((result.stdout + result.stderr).split())
    assert not (tmp_path / "out.spacy").exists()
