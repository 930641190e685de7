import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from thinc.api import Adam, fix_random_seed

from spacy_coord import get_domain, set_domain
from spacy_coord.models.bilstm_crf import CoordBatch
from spacy_coord.tags import CLAUSES, PHRASES, TAG_IDS, is_valid

from training_data import SMALL_MODEL, TRAIN_DATA, conjuncts, make_example, train_pipeline

TEXTS = [text for text, _, _ in TRAIN_DATA]


def test_overfits_small_data(trained_nlp):
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(trained_nlp(text)) == gold


def test_groups_and_scores(trained_nlp):
    doc = trained_nlp("add bananas peanut butter and paper towels to my list")
    assert [s.text for s in doc.spans["coord_groups"]] == ["bananas peanut butter and paper towels"]
    assert {s.label_ for s in doc.spans["coord"]} == {"CONJUNCT"}
    assert {s.label_ for s in doc.spans["coord_groups"]} == {"COORDINATION"}
    scores = doc.spans["coord"].attrs["scores"]
    assert len(scores) == 3
    assert all(0.0 <= s <= 1.0 for s in scores)
    # Confidences come from the CRF marginals, not a constant.
    assert len(set(numpy.round(scores, 6))) > 1 or scores[0] < 1.0


@pytest.mark.parametrize(
    "settings", [{"decoder": "crf"}, {"decoder": "argmax", "parallelism_weight": 0.0}, {"conjunct_types": 2}]
)
def test_decoders_train_and_decode_valid(settings):
    nlp = train_pipeline(settings)
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold
    tags, _ = nlp.get_pipe("coord_chunker").predict([nlp.make_doc(t) for t in TEXTS + ["and and , and or"]])
    assert all(is_valid(list(t)) for t in tags)
    # Batched (the folded encoder) as one by one, and the same after a round trip.
    texts = TEXTS * 8
    batched = [conjuncts(doc) for doc in nlp.pipe(texts, batch_size=len(texts))]
    assert batched == [conjuncts(nlp(text)) for text in texts]
    loaded = spacy.blank("en").from_config(nlp.config).from_bytes(nlp.to_bytes())
    assert [conjuncts(doc) for doc in loaded.pipe(texts)] == batched


def test_pipe_batched_equals_one_by_one(trained_nlp):
    # "'s" has two norms ("us" in "let's"): two words for the folded encoder.
    texts = TEXTS + ["", "and", "call mom and dad and my sister and also tom", "let's call john's mom and dad", "x " * 40]
    singles = [trained_nlp(text) for text in texts]
    # Batches of 3 and one batch of all: the second is large enough for the folded encoder.
    for batch_size in (3, len(texts)):
        for doc, single in zip(trained_nlp.pipe(texts, batch_size=batch_size), singles):
            assert conjuncts(doc) == conjuncts(single)
            numpy.testing.assert_allclose(doc.spans["coord"].attrs["scores"], single.spans["coord"].attrs["scores"], rtol=1e-4, atol=1e-5)


def test_save_load_bytes_and_disk(trained_nlp, tmp_path):
    expected = [conjuncts(doc) for doc in trained_nlp.pipe(TEXTS)]
    trained_nlp.to_disk(tmp_path / "pipeline")
    from_disk = spacy.load(tmp_path / "pipeline")
    assert [conjuncts(doc) for doc in from_disk.pipe(TEXTS)] == expected
    from_bytes = spacy.blank("en").from_config(trained_nlp.config)
    from_bytes.from_bytes(trained_nlp.to_bytes())
    assert [conjuncts(doc) for doc in from_bytes.pipe(TEXTS)] == expected
    # The component alone, too.
    component = trained_nlp.get_pipe("coord_chunker")
    fresh = spacy.blank("en")
    fresh_component = fresh.add_pipe("coord_chunker", config={"model": SMALL_MODEL})
    fresh_component.from_bytes(component.to_bytes())
    assert [conjuncts(doc) for doc in fresh.pipe(TEXTS)] == expected
    component.to_disk(tmp_path / "component")
    fresh2 = spacy.blank("en")
    fresh2.add_pipe("coord_chunker", config={"model": SMALL_MODEL}).from_disk(tmp_path / "component")
    assert [conjuncts(doc) for doc in fresh2.pipe(TEXTS)] == expected


def test_uninitialized_gives_spacy_error():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker")
    with pytest.raises(ValueError, match="E109"):
        nlp("call mom and dad")
    with pytest.raises(ValueError, match="E109"):
        list(nlp.pipe(["call mom and dad"]))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "and",
        "   ",
        "play 🎵 and 🎶 now 👍🏽",
        "播放 周杰伦 和 王菲 的 歌",
        "شغل موسيقى الجاز و اطفئ الأنوار",
        "call\x00mom\x07 and \u200bdad\ufeff",
        "e\u0301\u0301\u0301 and \U0001F468\u200d\U0001F469\u200d\U0001F467 " * 3,
        "supercalifragilisticexpialidocious-and-more-and-more-and-more and x",
    ],
)
def test_odd_input_does_not_crash(trained_nlp, text):
    doc = trained_nlp(text)
    assert len(doc.spans["coord"]) == len(doc.spans["coord"].attrs["scores"])
    for span in doc.spans["coord"]:
        assert 0 <= span.start < span.end <= len(doc)


def test_very_long_doc(trained_nlp):
    text = " ".join(["call mom and dad"] * 1250)  # 5,000 tokens
    doc = trained_nlp(text)
    assert len(doc) == 5000
    assert len(doc.spans["coord"]) == len(doc.spans["coord"].attrs["scores"])


def test_misaligned_gold_is_masked_not_fatal():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": SMALL_MODEL})
    example = make_example(nlp, "call mom and dad", ["mom", "dad"])
    # The predicted doc splits "mom" differently from the reference.
    from spacy.tokens import Doc
    from spacy.training import Example

    predicted = Doc(nlp.vocab, words=["call", "m", "om", "and", "dad"], spaces=[True, False, True, True, False])
    misaligned = Example(predicted, example.reference)
    chunker = nlp.get_pipe("coord_chunker")
    nlp.initialize(lambda: [example])
    tags = chunker._gold_tags(misaligned)
    assert tags.tolist() == [TAG_IDS["O"], -1, -1, TAG_IDS["C"], TAG_IDS["B"]]
    losses = nlp.update([misaligned])
    assert numpy.isfinite(losses["coord_chunker"])


@pytest.mark.parametrize(
    "setting,value",
    [
        ("decoder", "viterbi"),
        ("width", 33),
        ("depth", 0),
        ("dropout", 1.5),
        ("embed_rows", [10, 10]),
        ("embed_attrs", ["NOT_AN_ATTR", "PREFIX", "SUFFIX", "SHAPE"]),
        ("adversarial_weight", -1.0),
        ("neighbor_similarity", True),  # without static vectors
        ("coordination_similarity", True),
        ("syntax_attr", "LEMMA"),
        ("conjunct_types", 0),
        ("parallelism_weight", -0.5),
        ("coordinator_bias", -1.0),
        ("vector_tuning_rows", 100),  # without static vectors
        ("vector_tuning_rows", -1),
    ],
)
def test_bad_model_setting_named(setting, value):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=setting):
        nlp.add_pipe("coord_chunker", config={"model": {setting: value}})


@pytest.mark.parametrize("setting,value", [("spans_key", ""), ("groups_key", "coord")])
def test_bad_component_setting_named(setting, value):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=setting):
        nlp.add_pipe("coord_chunker", config={setting: value})


@pytest.mark.parametrize("decoder", ["crf", "argmax"])
def test_coordinator_bias_splits_at_and_only_when_set(trained_nlp, decoder):
    """The prior changes on a trained pipeline without retraining: a large
    one coordinates at the "and" of a name the model learned to keep whole
    (where the conjuncts of this tiny model begin is its own guess), and
    leaves utterances without a conjunction word or with a clear
    coordination as they were."""
    nlp = trained_nlp if decoder == "crf" else train_pipeline({"decoder": decoder, "parallelism_weight": 0.0})
    texts = ["play simon and garfunkel", "play some jazz", "add bananas peanut butter and paper towels to my list"]
    before = [conjuncts(doc) for doc in nlp.pipe(texts)]
    assert before[:2] == [[], []]
    config = nlp.config.copy()
    config["components"]["coord_chunker"]["model"]["coordinator_bias"] = 1000.0
    biased = spacy.blank("en").from_config(config).from_bytes(nlp.to_bytes())
    after = [conjuncts(doc) for doc in biased.pipe(texts)]
    assert len(after[0]) == 2 and after[0][-1] == "garfunkel"
    assert after[1:] == before[1:]


def test_vectors_width_mismatch_named():
    nlp = spacy.blank("en")
    nlp.vocab.vectors.resize((2, 5))
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, "vectors_width": 50}})
    with pytest.raises(ValueError, match="vectors_width"):
        nlp.initialize(lambda: [make_example(nlp, *TRAIN_DATA[0])])


@pytest.mark.parametrize(
    "neighbor_similarity,coordination_similarity,vector_tuning_rows,similarity_weight",
    [(False, False, 0, 0.0), (True, True, 0, 0.0), (False, False, 16, 0.0), (False, False, 0, 2.0)],
)
def test_static_vectors_used(neighbor_similarity, coordination_similarity, vector_tuning_rows, similarity_weight):
    nlp = spacy.blank("en")
    for i, word in enumerate(["mom", "dad", "call", "and"]):
        nlp.vocab.set_vector(word, numpy.full((4,), i + 1, dtype="float32"))
    pretrained = nlp.vocab.vectors.data.copy()
    model = {
        **SMALL_MODEL,
        "vectors_width": 4,
        "vector_tuning_rows": vector_tuning_rows,
        "word_dropout": 0.1,
        "neighbor_similarity": neighbor_similarity,
        "coordination_similarity": coordination_similarity,
        "similarity_weight": similarity_weight,
    }
    nlp.add_pipe("coord_chunker", config={"model": model})
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(80):
        nlp.update(examples, sgd=optimizer)
    assert conjuncts(nlp("call mom or dad")) == ["mom", "dad"]
    corrections = nlp.get_pipe("coord_chunker").model.layers[0].shims[0]._model.embed.vector_corrections
    # Fine-tuning trains the corrections and leaves the pipeline's vectors as they were.
    assert (corrections is not None) == bool(vector_tuning_rows)
    if corrections is not None:
        assert corrections.weight.abs().sum() > 0
    assert numpy.array_equal(nlp.vocab.vectors.data, pretrained)
    # The folded encoder (large batches) agrees with one-by-one prediction.
    texts = TEXTS * 3
    assert [conjuncts(doc) for doc in nlp.pipe(texts, batch_size=len(texts))] == [conjuncts(nlp(t)) for t in texts]


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_adversarial_head_on_and_off(weight):
    nlp = train_pipeline({"n_domains": 4, "adversarial_weight": weight})
    chunker = nlp.get_pipe("coord_chunker")
    assert chunker.cfg["domains"] == ["music", "phone", "shopping"]
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold


def test_too_many_domains_named():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, "n_domains": 2, "adversarial_weight": 0.1}})
    with pytest.raises(ValueError, match="n_domains"):
        nlp.initialize(lambda: [make_example(nlp, *row) for row in TRAIN_DATA])


def test_docs_without_domain_or_spans_still_train():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, "n_domains": 4, "adversarial_weight": 0.1}})
    examples = [make_example(nlp, text, gold) for text, gold, _ in TRAIN_DATA]
    unannotated = make_example(nlp, "hello there", [])
    del unannotated.reference.spans["coord"]
    optimizer = nlp.initialize(lambda: examples)
    losses = nlp.update(examples + [unannotated], sgd=optimizer)
    assert numpy.isfinite(losses["coord_chunker"])


def test_domain_survives_docbin(tmp_path):
    nlp = spacy.blank("en")
    doc = make_example(nlp, *TRAIN_DATA[0]).reference
    set_domain(doc, "shopping")
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "x.spacy")
    (loaded,) = DocBin().from_disk(tmp_path / "x.spacy").get_docs(nlp.vocab)
    assert get_domain(loaded) == "shopping"
    assert conjuncts(loaded) == TRAIN_DATA[0][1]


def test_after_other_components_and_scores(trained_nlp):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("coord_chunker", source=trained_nlp)
    assert conjuncts(nlp("call mom or dad")) == ["mom", "dad"]
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    scores = nlp.evaluate(examples)
    assert scores["spans_coord_exact"] == 1.0
    assert scores["spans_coord_f"] == 1.0


SYNTAX_MODEL = {"syntax_attr": "POS", "n_syntax_labels": 8, "syntax_weight": 0.5}
_POS = {"add": "VERB", "play": "VERB", "turn": "VERB", "call": "VERB", "and": "CCONJ", "or": "CCONJ"}


def _examples_with_pos(nlp):
    examples = [make_example(nlp, text, gold) for text, gold, _ in TRAIN_DATA]
    for eg in examples:
        for token in eg.reference:
            token.pos_ = _POS.get(token.text, "NOUN")
    return examples


def test_syntax_head_trains_and_is_saved(tmp_path):
    """The auxiliary head learns from the reference docs' parts of speech;
    prediction and a saved pipeline do not need them."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, **SYNTAX_MODEL}})
    examples = _examples_with_pos(nlp)
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    chunker = nlp.get_pipe("coord_chunker")
    assert chunker.cfg["syntax_labels"] == ["CCONJ", "NOUN", "VERB"]

    def losses(with_syntax):
        batch = CoordBatch(
            [eg.predicted for eg in examples],
            tags=[chunker._gold_tags(eg) for eg in examples],
            syntax=chunker._gold_syntax(examples) if with_syntax else None,
        )
        return chunker.model.predict(batch)

    _, before = losses(True)
    assert before > 0 and losses(False)[1] == 0
    for _ in range(60):
        nlp.update(examples, sgd=optimizer)
    assert losses(True)[1] < before / 2  # the head learned the parts of speech
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("coord_chunker").cfg["syntax_labels"] == ["CCONJ", "NOUN", "VERB"]
    assert [conjuncts(doc) for doc in loaded.pipe(TEXTS)] == [conjuncts(doc) for doc in nlp.pipe(TEXTS)]


def test_coordination_types_learned_from_the_parse():
    """With conjunct_types = 2, a parsed reference doc types its coordinations
    (clauses when the first conjunct is headed by a verb); the model trains
    on them and still decodes plain tags."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, "conjunct_types": 2}})
    examples = _examples_with_pos(nlp)
    for eg in examples:
        for token in eg.reference:
            token.dep_ = "dep"
    chunker = nlp.get_pipe("coord_chunker")
    types = [chunker._gold_types(eg).tolist() for eg in examples]
    assert types[0] == [-1] + [PHRASES] * 6 + [-1] * 3  # "add [bananas ... towels] to my list"
    assert types[1] == [CLAUSES] * 8  # "[play some jazz] and [turn off the lights]"
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(60):
        nlp.update(examples, sgd=optimizer)
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold


def test_syntax_head_without_annotation_named():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, **SYNTAX_MODEL}})
    with pytest.raises(ValueError, match="syntax_attr.*make_corpus.py --syntax"):
        nlp.initialize(lambda: [make_example(nlp, text, gold) for text, gold, _ in TRAIN_DATA])


@pytest.mark.parametrize("setting,value", [("n_syntax_labels", 0), ("syntax_weight", 0.0), ("syntax_weight", -1.0)])
def test_bad_syntax_setting_named(setting, value):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=setting):
        nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, **SYNTAX_MODEL, setting: value}})


def test_too_many_syntax_labels_named():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": {**SMALL_MODEL, **SYNTAX_MODEL, "n_syntax_labels": 2}})
    with pytest.raises(ValueError, match="n_syntax_labels"):
        nlp.initialize(lambda: _examples_with_pos(nlp))


def test_use_averages_swaps_in_the_optimizer_averages():
    # thinc's own PyTorchShim ignores the averages of PyTorch weights; ours uses them.
    fix_random_seed(0)
    nlp = spacy.blank("en")
    chunker = nlp.add_pipe("coord_chunker", config={"model": SMALL_MODEL})
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01, use_averages=True)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    torch_model = chunker.model.layers[0].shims[0]._model
    trained = {name: param.detach().clone() for name, param in torch_model.named_parameters()}
    with nlp.use_params(optimizer.averages):
        averaged = dict(torch_model.named_parameters())
        shim_id = chunker.model.layers[0].shims[0].id
        for name, param in averaged.items():
            numpy.testing.assert_allclose(param.detach().numpy(), optimizer.averages[(shim_id, name)], rtol=1e-6)
        assert any(not (averaged[name] == trained[name]).all() for name in trained)
    for name, param in torch_model.named_parameters():
        assert (param == trained[name]).all()
