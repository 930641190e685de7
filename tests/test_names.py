"""Names with "and" inside kept whole: the lexicon and the component's use of it."""

import json

import numpy
import pytest
import spacy
import srsly
from training_data import TRAIN_DATA, conjuncts, make_example, small_model, train_pipeline

from spacy_coord.names import NameLexicon, name_words
from spacy_coord.tags import B, C, I, O


def test_name_words_ignore_case_punctuation_and_ampersand():
    assert name_words("Earth, Wind & Fire") == ("earth", "wind", "and", "fire")
    assert name_words("Guns N' Roses") == ("guns", "n", "roses")


def test_find_matches_whole_words_only():
    lexicon = NameLexicon(["Rock and Roll", "Earth, Wind & Fire", "Beatles"])
    # "Beatles" has no coordinator inside: nothing to protect.
    assert lexicon.names == ["Earth, Wind & Fire", "Rock and Roll"]
    make_doc = spacy.blank("en").make_doc
    assert lexicon.find(make_doc("play the Rock and roll playlist")) == [(2, 5)]
    assert lexicon.find(make_doc("play earth wind and fire")) == [(1, 5)]
    assert lexicon.find(make_doc("play earth, wind & fire now")) == [(1, 6)]
    assert lexicon.find(make_doc("play rock and rolls")) == []
    assert lexicon.find(make_doc("")) == []


def test_forbidden_tags_keep_the_name_one_unit():
    lexicon = NameLexicon(["salt and vinegar chips"])
    doc = spacy.blank("en").make_doc("buy bread salt and vinegar chips")
    forbidden = lexicon.forbidden_tags(doc)
    assert forbidden.shape == (len(doc), 4)
    assert not forbidden[:2].any()
    assert forbidden[2:, C].all() and forbidden[3:, B].all()
    assert not forbidden[2, B] and not forbidden[2:, I].any() and not forbidden[:, O].any()
    assert lexicon.forbidden_tags(spacy.blank("en").make_doc("buy bread")) is None


def test_bad_names_are_named():
    with pytest.raises(TypeError, match="list of strings"):
        NameLexicon("rock and roll")
    with pytest.raises(TypeError, match="names must be strings, got 42"):
        NameLexicon(["rock and roll", 42])


def test_added_names_are_not_split_and_survive_saving(tmp_path):
    nlp = train_pipeline()
    texts = [text for text, _, _ in TRAIN_DATA]
    assert conjuncts(nlp("call mom or dad")) == ["mom", "dad"]
    before = [conjuncts(doc) for doc in nlp.pipe(texts)]
    chunker = nlp.get_pipe("coord_chunker")
    chunker.add_names(["Mom or Dad"])
    assert chunker.names == ["Mom or Dad"]
    assert conjuncts(nlp("call mom or dad")) == []
    # Batched prediction applies each doc's names to that doc only.
    after = [conjuncts(doc) for doc in nlp.pipe(texts, batch_size=4)]
    assert after == [[] if text == "call mom or dad" else gold for text, gold in zip(texts, before)]
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("coord_chunker").names == ["Mom or Dad"]
    assert conjuncts(loaded("call mom or dad")) == []
    fresh = spacy.blank("en")
    fresh.add_pipe("coord_chunker", config={"model": small_model()}).from_bytes(chunker.to_bytes())
    assert conjuncts(fresh("call mom or dad")) == []


def test_initialize_takes_names_from_the_config():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": small_model()})
    nlp.config["initialize"]["components"]["coord_chunker"] = {"names": ["rock and roll", "mom or dad"]}
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    assert nlp.get_pipe("coord_chunker").names == ["mom or dad", "rock and roll"]
    assert numpy.isfinite(nlp.get_pipe("coord_chunker").predict([nlp.make_doc("rock and roll")])[1][0]).all()


def test_names_are_saved_in_a_file_of_their_own(tmp_path):
    """As SpanRuler's patterns.jsonl: the names in names.json (the format
    spacy.read_labels.v1 reads), in the bytes under "names", not in cfg."""
    nlp = spacy.blank("en")
    chunker = nlp.add_pipe("coord_chunker", config={"model": small_model()})
    nlp.initialize(lambda: [make_example(nlp, *row) for row in TRAIN_DATA])
    chunker.add_names(["Simon & Garfunkel", "rock and roll"])
    chunker.to_disk(tmp_path / "chunker")
    assert json.loads((tmp_path / "chunker" / "names.json").read_text()) == ["Simon & Garfunkel", "rock and roll"]
    assert "names" not in json.loads((tmp_path / "chunker" / "cfg").read_text())
    assert srsly.json_loads(srsly.msgpack_loads(chunker.to_bytes())["names"]) == chunker.names
    # Excluded, the names on disk stay out of a loaded component.
    fresh = spacy.blank("en").add_pipe("coord_chunker", config={"model": small_model()})
    fresh.from_disk(tmp_path / "chunker", exclude=["names"])
    assert fresh.names == []
    fresh.from_disk(tmp_path / "chunker")
    assert fresh.names == ["Simon & Garfunkel", "rock and roll"]


def test_a_pipeline_saved_with_names_in_cfg_still_loads(trained_nlp, tmp_path):
    """spacy-coord 0.1.0 kept the names in cfg and wrote no names.json."""
    path = tmp_path / "pipeline"
    trained_nlp.to_disk(path)
    names_file = path / "coord_chunker" / "names.json"
    names_file.unlink()
    cfg = json.loads((path / "coord_chunker" / "cfg").read_text())
    (path / "coord_chunker" / "cfg").write_text(json.dumps({**cfg, "names": ["Mom or Dad"]}))
    loaded = spacy.load(path)
    chunker = loaded.get_pipe("coord_chunker")
    assert chunker.names == ["Mom or Dad"]
    assert conjuncts(loaded("call mom or dad")) == []
    # Saved again, in today's layout.
    loaded.to_disk(tmp_path / "again")
    assert json.loads((tmp_path / "again" / "coord_chunker" / "names.json").read_text()) == ["Mom or Dad"]
    assert "names" not in json.loads((tmp_path / "again" / "coord_chunker" / "cfg").read_text())
    # The same from bytes.
    data = srsly.msgpack_loads(trained_nlp.get_pipe("coord_chunker").to_bytes())
    del data["names"]
    data["cfg"] = srsly.json_dumps({**srsly.json_loads(data["cfg"]), "names": ["Mom or Dad"]})
    fresh = spacy.blank("en").add_pipe("coord_chunker", config={"model": small_model()})
    assert fresh.from_bytes(srsly.msgpack_dumps(data)).names == ["Mom or Dad"]


def test_a_missing_names_file_is_named(trained_nlp, tmp_path):
    trained_nlp.to_disk(tmp_path / "pipeline")
    (tmp_path / "pipeline" / "coord_chunker" / "names.json").unlink()
    with pytest.raises(ValueError, match="E007.*names.json"):
        spacy.load(tmp_path / "pipeline")
