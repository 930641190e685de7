"""Loading a saved pipeline is safe: the weights are safetensors with a
checksum, missing files are named, and a loaded pipeline runs in spaCy's
worker processes."""

import os
import subprocess
import sys

import pytest
import spacy
import srsly
from training_data import TRAIN_DATA, conjuncts


@pytest.fixture
def saved(trained_nlp, tmp_path):
    path = tmp_path / "pipeline"
    trained_nlp.to_disk(path)
    return path


def _weights(path):
    """The coord_chunker's model file and its records (one per torch module)."""
    model_file = path / "coord_chunker" / "model"
    return model_file, srsly.msgpack_loads(model_file.read_bytes())


def test_saved_weights_are_safetensors_with_a_checksum(saved):
    loaded = spacy.load(saved)
    assert [conjuncts(loaded(text)) for text, _, _ in TRAIN_DATA] == [gold for _, gold, _ in TRAIN_DATA]
    assert b"safetensors" in (saved / "coord_chunker" / "model").read_bytes()


def test_changed_weights_fail_the_checksum(saved):
    model_file = saved / "coord_chunker" / "model"
    data = bytearray(model_file.read_bytes())
    # Flip bytes in the middle, inside the weights of the largest module.
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])
    model_file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="E005|E004"):
        spacy.load(saved)


def test_weights_in_another_format_are_refused(saved, trained_nlp):
    """Weights saved by torch.save (pickle) are not loaded: pickle can run code."""
    import io

    import torch

    def pickled(module_bytes):
        buffer = io.BytesIO()
        torch.save({"x": torch.zeros(1)}, buffer)
        return buffer.getvalue()

    chunker = trained_nlp.get_pipe("coord_chunker")
    record = srsly.msgpack_loads(chunker.model.to_bytes())
    for shim in record["shims"]:
        for i, shim_bytes in enumerate(shim):
            inner = srsly.msgpack_loads(shim_bytes)
            inner["state"] = pickled(inner["state"])
            shim[i] = srsly.msgpack_dumps(inner)
    (saved / "coord_chunker" / "model").write_bytes(srsly.msgpack_dumps(record))
    with pytest.raises(ValueError, match="E004"):
        spacy.load(saved)


def _rewrite_weights(model_file, change):
    """Apply `change` to every module's tensors, with a valid checksum after."""
    import hashlib

    from safetensors.torch import load, save

    record = srsly.msgpack_loads(model_file.read_bytes())
    for shim in record["shims"]:
        for i, shim_bytes in enumerate(shim):
            inner = srsly.msgpack_loads(shim_bytes)
            saved_state = srsly.msgpack_loads(inner["state"])
            weights = change(saved_state["weights"], load, save)
            saved_state.update(weights=weights, sha256=hashlib.sha256(weights).hexdigest())
            inner["state"] = srsly.msgpack_dumps(saved_state)
            shim[i] = srsly.msgpack_dumps(inner)
    model_file.write_bytes(srsly.msgpack_dumps(record))


def test_weights_that_are_not_finite_are_refused(saved):
    """NaN weights under a valid checksum: a coded error, not empty annotations."""

    def to_nan(weights, load, save):
        state = load(weights)
        return save(
            {
                name: tensor.fill_(float("nan")) if tensor.is_floating_point() else tensor
                for name, tensor in state.items()
            }
        )

    _rewrite_weights(saved / "coord_chunker" / "model", to_nan)
    with pytest.raises(ValueError, match=r"E023.*coord_chunker.model.*E024.*not finite"):
        spacy.load(saved)


def _huge_safetensors_header(weights, load, save):
    return (2**40).to_bytes(8, "little") + weights[8:]


@pytest.mark.parametrize(
    "name,damage",
    [
        ("model", lambda data: data[: len(data) // 2]),  # msgpack: "Unpack failed: incomplete input"
        ("model", lambda data: data + b"\x00"),  # msgpack: "ExtraData"
        ("model", lambda data: srsly.msgpack_dumps(7)),  # thinc: "'int' object is not iterable"
        ("model", None),  # safetensors: "header too large", under a valid checksum
        ("cfg", lambda data: data[: len(data) // 2]),  # JSON cut short
        ("cfg", lambda data: b"[1, 2]"),  # JSON, but not the settings
        ("names.json", lambda data: data[: len(data) // 2]),  # JSON cut short
        ("names.json", lambda data: b"{}"),  # JSON, but not a list of names
    ],
)
def test_a_damaged_file_is_named_with_a_code(saved, name, damage):
    path = saved / "coord_chunker" / name
    if damage is None:
        _rewrite_weights(path, _huge_safetensors_header)
    else:
        path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=r"\[E023\] .*can't load") as err:
        spacy.load(saved)
    assert str(path) in str(err.value)


def test_damaged_bytes_are_a_coded_error(trained_nlp):
    data = trained_nlp.get_pipe("coord_chunker").to_bytes()
    with pytest.raises(ValueError, match=r"E023.*the bytes of component 'coord_chunker'"):
        trained_nlp.get_pipe("coord_chunker").from_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["cfg", "model"])
def test_a_missing_file_is_named(saved, name):
    (saved / "coord_chunker" / name).unlink()
    with pytest.raises(ValueError, match=f"E007.*coord_chunker.{name}"):
        spacy.load(saved)


@pytest.mark.slow
def test_n_process_works_with_default_threads(saved):
    """nlp.pipe(n_process=2) after the parent used torch's thread pool: the
    workers must not wait on the pool the fork left behind. Runs without any
    thread variable set, as users do."""
    script = (
        "import sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "texts = ['call mom or dad', 'add bananas peanut butter and paper towels to my list'] * 200\n"
        "list(nlp.pipe(texts, batch_size=400))\n"  # the parent runs torch on all its threads
        "docs = list(nlp.pipe(texts[:12], n_process=2, batch_size=2))\n"
        "print(sum(len(doc.spans['coord']) for doc in docs))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    result = subprocess.run(
        [sys.executable, "-c", script, str(saved)], env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) == 6 * 2 + 6 * 3


def test_prediction_leaves_the_data_factory_and_engines_unimported(saved):
    """Loading a pipeline and predicting import the runtime only, not the
    workflow's data factory (spacy_coord.training, with the statistics and
    plots of reports) nor the batch engines, nor matplotlib or pandas."""
    unwanted = ("spacy_coord.training", "spacy_coord.annotate", "ray", "matplotlib", "pandas")
    script = (
        "import sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "nlp('call mom or dad')\n"
        f"print(sorted(m for m in sys.modules if m.startswith({unwanted!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(saved)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
