"""`spacy train` on configs/coord.cfg, then `spacy.load` in a fresh process."""

import json
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from training_data import TRAIN_DATA, make_example

CONFIG = Path(__file__).parents[1] / "configs" / "coord.cfg"


@pytest.mark.slow
def test_spacy_train_then_load_in_fresh_process(tmp_path):
    nlp = spacy.blank("en")
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    DocBin(docs=docs * 8, store_user_data=True).to_disk(tmp_path / "train.spacy")
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "dev.spacy")
    (tmp_path / "names.json").write_text(json.dumps(["Rock and Roll", "Simon & Garfunkel"]))
    overrides = {
        "paths.train": tmp_path / "train.spacy",
        "paths.dev": tmp_path / "dev.spacy",
        "paths.names": tmp_path / "names.json",
        "training.max_epochs": 40,
        "training.eval_frequency": 20,
        "training.batcher.size": 8,
        "training.optimizer.learn_rate": 0.01,
        "components.coord_chunker.model.encoder.width": 32,
        "components.coord_chunker.model.encoder.embed.width": 16,
    }
    args = [f"--{key}={value}" for key, value in overrides.items()]
    subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(tmp_path / "out"), *args],
        check=True,
    )
    model_best = tmp_path / "out" / "model-best"
    meta = json.loads((model_best / "meta.json").read_text())
    assert meta["performance"]["spans_coord_exact"] > 0.5
    script = (
        "import spacy, json, sys\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "docs = [nlp(text) for text in sys.argv[2:]]\n"
        "print(json.dumps([[s.text for s in doc.spans['coord']] for doc in docs]))\n"
        "print(json.dumps(nlp.get_pipe('coord_chunker').names))\n"
    )
    texts = [text for text, _, _ in TRAIN_DATA]
    result = subprocess.run(
        [sys.executable, "-c", script, str(model_best), *texts], check=True, capture_output=True, text=True
    )
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[-2]) == [gold for _, gold, _ in TRAIN_DATA]
    # The names file of [initialize.components.coord_chunker.names] is saved with the pipeline.
    assert json.loads(lines[-1]) == ["Rock and Roll", "Simon & Garfunkel"]
    # Both checkpoints of the run, scored on a bucket of the training utterances.
    (tmp_path / "eval").mkdir()
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "eval" / "two.spacy")
    metrics = tmp_path / "metrics"
    checkpoints = [f"--pipeline={name}={tmp_path / 'out' / name}" for name in ("model-best", "model-last")]
    subprocess.run(
        [sys.executable, "scripts/evaluate.py", str(tmp_path / "eval"), str(metrics), *checkpoints]
        + ["--parser", "", "--no-speed", "--name", "checkpoints"],
        check=True,
        cwd=Path(__file__).parents[1],
    )
    compared = json.loads((metrics / "checkpoints.json").read_text())
    assert set(compared) == {"model-best", "model-last"}
    assert compared["model-best"]["buckets"]["two"]["exact"] > 0.5
    assert set(compared["model-last"]["buckets"]) == {"two"}
    assert compared["model-last"]["against"]["reference"] == "model-best"
    assert "| model-last |" in (metrics / "checkpoints.md").read_text()


@pytest.mark.slow
def test_training_with_vectors_is_repeatable(tmp_path):
    """Two seeded runs give the same model, byte for byte: with static
    vectors, torch's multi-threaded backward passes differ from run to run
    unless the config's deterministic_torch callback is on."""
    nlp = spacy.blank("en")
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    DocBin(docs=docs * 200, store_user_data=True).to_disk(tmp_path / "train.spacy")
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "dev.spacy")
    vectors = spacy.blank("en")
    rng = numpy.random.default_rng(0)
    for word in sorted({token.lower_ for doc in docs for token in doc}):
        vectors.vocab.set_vector(word, rng.normal(size=50).astype("float32"))
    vectors.to_disk(tmp_path / "vectors")
    args = [
        f"--paths.train={tmp_path / 'train.spacy'}",
        f"--paths.dev={tmp_path / 'dev.spacy'}",
        f"--paths.vectors={tmp_path / 'vectors'}",
        "--components.coord_chunker.model.encoder.embed.vectors_width=50",
        "--training.max_steps=20",
    ]
    models = []
    for run in ("first", "second"):
        output = tmp_path / run
        subprocess.run(
            [sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(output), *args], check=True
        )
        models.append((output / "model-last" / "coord_chunker" / "model").read_bytes())
    assert models[0] == models[1]
