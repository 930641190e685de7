import numpy
import pytest
import spacy
from thinc.api import Model
from training_data import TRAIN_DATA, conjuncts

from spacy_coord.component import CoordChunker
from spacy_coord.gate import MAX_DOCS_PER_PASSING, gated_batches, has_coordinator_candidate, passing

WITH_COORDINATOR = [text for text, _, _ in TRAIN_DATA] + ["pick up the dice, then drop it", "milk as well as eggs"]
WEIGHTS = {"parallelism_weight": 0.5, "similarity_weight": 0.0, "soft_target_weight": 0.0}
WITHOUT_COORDINATOR = ["turn off the lights", "what time is it", "", "play some music"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("call mom and dad", True),
        ("call mom OR dad", True),
        ("milk & eggs", True),
        ("play rock 'n' roll", True),
        ("milk as well as eggs", True),
        ("pick up the dice, then drop it", True),
        ("neither tea nor coffee", True),
        ("milk plus eggs", True),
        ("what's a good, popular american meal", False),
        ("call sandy anderson", False),
        ("play it as well", False),
        ("as well as", True),
        ("", False),
    ],
)
def test_rule(text, expected):
    assert has_coordinator_candidate(spacy.blank("en").make_doc(text)) is expected


def test_passing_skips_empty_docs():
    nlp = spacy.blank("en")
    docs = [nlp.make_doc(text) for text in ["", "and", "lights off", "mom or dad"]]
    assert passing(docs) == [1, 3]


@pytest.fixture
def ungated(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "pipeline")
    return spacy.load(tmp_path / "pipeline", config={"components.coord_chunker.gate": False})


def test_on_and_off_agree(trained_nlp, ungated):
    """The gate changes nothing where the network finds nothing: docs with a
    coordinator get the same spans and scores, docs without get none."""
    texts = WITH_COORDINATOR + WITHOUT_COORDINATOR
    for batch_size in (1, len(texts)):
        for gated, full in zip(trained_nlp.pipe(texts, batch_size=batch_size), ungated.pipe(texts)):
            for key in ("coord", "coord_groups"):
                assert conjuncts(gated, key) == conjuncts(full, key)
            numpy.testing.assert_allclose(
                gated.spans["coord"].attrs["scores"], full.spans["coord"].attrs["scores"], rtol=1e-4, atol=1e-5
            )


def test_gated_docs_are_annotated_like_docs_without_coordination(trained_nlp, ungated):
    gated = trained_nlp("turn off the lights")
    ungated_empty = ungated("play simon and garfunkel")  # a name: the network finds nothing
    for doc in (gated, ungated_empty):
        assert conjuncts(doc, "coord") == conjuncts(doc, "coord_groups") == []
    scores, expected = gated.spans["coord"].attrs["scores"], ungated_empty.spans["coord"].attrs["scores"]
    assert isinstance(scores, numpy.ndarray) and scores.dtype == expected.dtype and scores.shape == expected.shape


def test_network_sees_only_the_docs_that_pass(trained_nlp, monkeypatch):
    chunker = trained_nlp.get_pipe("coord_chunker")
    seen = []
    predict = Model.predict

    def recording(model, docs):
        if model is chunker.model:
            seen.append([doc.text for doc in docs])
        return predict(model, docs)

    monkeypatch.setattr(Model, "predict", recording)
    list(trained_nlp.pipe(WITHOUT_COORDINATOR + ["call mom or dad"] + WITHOUT_COORDINATOR, batch_size=100))
    trained_nlp("turn off the lights")
    assert seen == [["call mom or dad"]]


def test_gated_batches_fill_up_with_docs_that_pass():
    """Each batch holds at most `batch_size` docs that pass and at most
    MAX_DOCS_PER_PASSING times as many in all; every doc comes out once, in order."""
    nlp = spacy.blank("en")
    texts = ["mom or dad", "lights off", "", "tea and milk", "what time is it"] * 40 + ["lights off"] * 50
    docs = [nlp.make_doc(text) for text in texts]
    batches = list(gated_batches(iter(docs), batch_size=4))
    assert [doc for batch in batches for doc in batch] == docs
    assert all(len(passing(batch)) <= 4 and len(batch) <= MAX_DOCS_PER_PASSING * 4 for batch in batches)
    assert [len(passing(batch)) for batch in batches[:20]] == [4] * 20
    # The tail, 51 docs without a conjunction word: bounded batches.
    assert [len(batch) for batch in batches[20:]] == [MAX_DOCS_PER_PASSING * 4, 51 - MAX_DOCS_PER_PASSING * 4]


def test_network_batches_are_the_docs_that_pass(trained_nlp, monkeypatch):
    """`nlp.pipe` fills the network's batches with docs that pass the gate,
    however many docs without a conjunction word lie between them."""
    chunker = trained_nlp.get_pipe("coord_chunker")
    sizes = []
    predict = Model.predict

    def recording(model, docs):
        if model is chunker.model:
            sizes.append(len(docs))
        return predict(model, docs)

    monkeypatch.setattr(Model, "predict", recording)
    texts = (WITHOUT_COORDINATOR + ["call mom or dad"]) * 6
    docs = list(trained_nlp.pipe(texts, batch_size=3))
    assert sizes == [3, 3]
    assert [doc.text for doc in docs] == texts
    assert [conjuncts(doc, "coord") for doc in docs] == [conjuncts(trained_nlp(text), "coord") for text in texts]


@pytest.mark.parametrize("gate", [True, False])
def test_setting_round_trip(trained_nlp, tmp_path, gate):
    trained_nlp.to_disk(tmp_path / "trained")
    nlp = spacy.load(tmp_path / "trained", config={"components.coord_chunker.gate": gate})
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("coord_chunker").cfg["gate"] is gate
    assert loaded.config["components"]["coord_chunker"]["gate"] is gate
    from_bytes = spacy.blank("en").from_config(nlp.config).from_bytes(nlp.to_bytes())
    assert from_bytes.get_pipe("coord_chunker").cfg["gate"] is gate


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_value_named(value):
    with pytest.raises(ValueError, match="gate"):
        spacy.blank("en").add_pipe("coord_chunker", config={"gate": value})
    with pytest.raises(ValueError, match="E001.*'gate' must be true or false"):
        CoordChunker(spacy.blank("en").vocab, Model("m", lambda *a: None), **WEIGHTS, gate=value)
