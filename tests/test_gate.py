import numpy
import pytest
import spacy
from thinc.api import Model
from training_data import TRAIN_DATA, conjuncts

from spacy_coord.component import CoordChunker
from spacy_coord.gate import has_coordinator_candidate, passing

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
