"""The training config (configs/coord.cfg) and the factory agree: every
setting has one default."""

from pathlib import Path

import spacy
from spacy.util import load_config

CONFIG = Path(__file__).parents[1] / "configs" / "coord.cfg"


def test_training_config_is_the_factory_default():
    trained = load_config(CONFIG, interpolate=True)["components"]["coord_chunker"]
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker")
    default = nlp.config["components"]["coord_chunker"]
    assert trained == default


def test_training_config_is_valid():
    nlp = spacy.util.load_model_from_config(load_config(CONFIG), auto_fill=True, validate=True)
    assert nlp.pipe_names == ["coord_chunker"]
