"""The learning curve of gold lines (experiments/gold_curve.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.util import load_config

ROOT = Path(__file__).parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
GOLD_LINES = ["call [mom] and [dad]", "# a comment", "play simon and garfunkel", "[blimp] or [frobnicate]"]


@pytest.fixture
def gold_file(tmp_path):
    path = tmp_path / "gold.txt"
    path.write_text("\n".join(GOLD_LINES) + "\n")
    return path


def test_rows_go_from_no_gold_lines_to_all(gold_file):
    from experiments.gold_curve import curve_rows

    rows = curve_rows(gold_file, [2, 0, 250])
    assert rows == {
        "0 gold lines": (0, []),
        "2 gold lines": (2, ["--gold", str(gold_file), "--corpus.gold_limit", "2"]),
        "3 gold lines (all)": (3, ["--gold", str(gold_file), "--corpus.gold_limit", "0"]),
    }


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_tiny_curve(tmp_path, gold_file):
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("snips", "sgd", "clinc150", "natural_dev.txt"):
        (assets / name).symlink_to(CORPORA / name)
    tiny = {"corpus.n_train": 200, "corpus.n_eval": 10, "corpus.silver": False, "corpus.noun_phrase_lists": False}
    tiny.update({f"corpus.max_{corpus}": 300 for corpus in ("snips", "sgd", "clinc")})
    corpus_config = tmp_path / "corpus_tiny.cfg"
    load_config(ROOT / "configs" / "corpus.cfg", overrides=tiny).to_disk(corpus_config)
    command = [sys.executable, "-m", "experiments.gold_curve", str(gold_file), str(assets), str(tmp_path / "metrics")]
    command += ["--corpus-config", str(corpus_config), "--size", "0", "--vectors", "none"]
    command += ["--work-dir", str(tmp_path / "work"), "--training.max_epochs", "1"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    curve = json.loads((tmp_path / "metrics" / "gold_curve.json").read_text())
    assert [row["gold_lines"] for row in curve.values()] == [0, 3]
    assert all("natural_dev" in row["buckets"] for row in curve.values())
    assert "| 3 gold lines (all) |" in (tmp_path / "metrics" / "gold_curve.md").read_text()
    assert (tmp_path / "metrics" / "gold_curve.png").stat().st_size > 0
    # Done rows are kept: a second run only writes the report again.
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "1/2" not in result.stdout
