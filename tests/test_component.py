import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from thinc.api import Adam, fix_random_seed
from training_data import TRAIN_DATA, conjuncts, make_example, small_model, train_pipeline

from spacy_coord import get_domain, set_domain
from spacy_coord.gold import gold_tags
from spacy_coord.tags import TAG_IDS, is_valid

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


@pytest.mark.parametrize("decoder", ["crf", "argmax"])
def test_decoders_train_and_decode_valid(decoder):
    nlp = train_pipeline(small_model(head={"decoder": decoder}))
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


@pytest.mark.parametrize("gate", [True, False])
def test_pipe_batched_equals_one_by_one(trained_nlp, monkeypatch, gate):
    # Without the gate, the docs without a coordinator are in the network's batch too.
    monkeypatch.setitem(trained_nlp.get_pipe("coord_chunker").cfg, "gate", gate)
    # "'s" has two norms ("us" in "let's"): two words for the folded encoder.
    texts = TEXTS + [
        "",
        "and",
        "call mom and dad and my sister and also tom",
        "let's call john's mom and dad",
        "x " * 40,
    ]
    singles = [trained_nlp(text) for text in texts]
    # Batches of 3 and one batch of all: the second is large enough for the folded encoder.
    for batch_size in (3, len(texts)):
        for doc, single in zip(trained_nlp.pipe(texts, batch_size=batch_size), singles):
            assert conjuncts(doc) == conjuncts(single)
            numpy.testing.assert_allclose(
                doc.spans["coord"].attrs["scores"], single.spans["coord"].attrs["scores"], rtol=1e-4, atol=1e-5
            )


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
    fresh_component = fresh.add_pipe("coord_chunker", config={"model": small_model()})
    fresh_component.from_bytes(component.to_bytes())
    assert [conjuncts(doc) for doc in fresh.pipe(TEXTS)] == expected
    component.to_disk(tmp_path / "component")
    fresh2 = spacy.blank("en")
    fresh2.add_pipe("coord_chunker", config={"model": small_model()}).from_disk(tmp_path / "component")
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
        "e\u0301\u0301\u0301 and \U0001f468\u200d\U0001f469\u200d\U0001f467 " * 3,
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
    nlp.add_pipe("coord_chunker", config={"model": small_model()})
    example = make_example(nlp, "call mom and dad", ["mom", "dad"])
    # The predicted doc splits "mom" differently from the reference.
    from spacy.tokens import Doc
    from spacy.training import Example

    predicted = Doc(nlp.vocab, words=["call", "m", "om", "and", "dad"], spaces=[True, False, True, True, False])
    misaligned = Example(predicted, example.reference)
    chunker = nlp.get_pipe("coord_chunker")
    nlp.initialize(lambda: [example])
    tags = gold_tags(misaligned, chunker.cfg["spans_key"], chunker.cfg["groups_key"])
    assert tags.tolist() == [TAG_IDS["O"], -1, -1, TAG_IDS["C"], TAG_IDS["B"]]
    losses = nlp.update([misaligned])
    assert numpy.isfinite(losses["coord_chunker"])


@pytest.mark.parametrize(
    "section,setting,value",
    [
        ("head", "decoder", "viterbi"),
        ("encoder", "width", 33),
        ("encoder", "depth", 0),
        ("embed", "char_width", -1),
        ("embed", "rows", [10]),
        ("embed", "attrs", ["NOT_AN_ATTR", "SHAPE", "PREFIX", "SUFFIX"]),
        ("head", "adversarial_weight", -1.0),
    ],
)
def test_bad_model_setting_named(section, setting, value):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=setting):
        nlp.add_pipe("coord_chunker", config={"model": small_model(**{section: {setting: value}})})


@pytest.mark.parametrize(
    "setting,value",
    [("spans_key", ""), ("groups_key", "coord"), ("parallelism_weight", -0.5), ("similarity_weight", float("nan"))],
)
def test_bad_component_setting_named(setting, value):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=setting):
        nlp.add_pipe("coord_chunker", config={setting: value})


def test_head_width_must_match_the_encoder():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="E010"):
        nlp.add_pipe("coord_chunker", config={"model": small_model(head={"width": 64})})


def test_decoding_settings_change_on_a_trained_pipeline(trained_nlp, tmp_path, monkeypatch):
    """The decoding weights are component settings: a saved pipeline loads
    with other values from its config and decodes with them, without retraining."""
    from spacy_coord import component

    trained_nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline", config={"components.coord_chunker.parallelism_weight": 4.0})
    assert loaded.get_pipe("coord_chunker").cfg["parallelism_weight"] == 4.0
    weights = []
    decode = component.decode_with_confidences

    def recording(*args):
        weights.append(args[6])
        return decode(*args)

    monkeypatch.setattr(component, "decode_with_confidences", recording)
    loaded("call mom or dad")
    trained_nlp("call mom or dad")
    assert weights == [4.0, 0.5]


def test_dropout_comes_from_update():
    """`drop` (spaCy's [training] dropout) reaches the encoder: with 0 two
    updates from the same weights give the same loss, with 0.5 they differ."""

    def loss(drop):
        fix_random_seed(0)
        nlp = spacy.blank("en")
        nlp.add_pipe("coord_chunker", config={"model": small_model()})
        examples = [make_example(nlp, *row) for row in TRAIN_DATA]
        nlp.initialize(lambda: examples)
        return [nlp.update(examples, drop=drop)["coord_chunker"] for _ in range(2)]

    fix_random_seed(0)
    assert loss(0.0) == loss(0.0)
    without, with_dropout = loss(0.0), loss(0.5)
    assert without[0] != with_dropout[0]


def test_vectors_width_mismatch_named():
    nlp = spacy.blank("en")
    nlp.vocab.vectors.resize((2, 5))
    nlp.add_pipe("coord_chunker", config={"model": small_model(embed={"vectors_width": 50})})
    with pytest.raises(ValueError, match="vectors_width.*width 5"):
        nlp.initialize(lambda: [make_example(nlp, *TRAIN_DATA[0])])


@pytest.mark.parametrize("similarity_weight", [0.0, 2.0])
def test_static_vectors_used(similarity_weight):
    nlp = spacy.blank("en")
    for i, word in enumerate(["mom", "dad", "call", "and"]):
        nlp.vocab.set_vector(word, numpy.full((4,), i + 1, dtype="float32"))
    pretrained = nlp.vocab.vectors.data.copy()
    nlp.add_pipe(
        "coord_chunker",
        config={"model": small_model(embed={"vectors_width": 4}), "similarity_weight": similarity_weight},
    )
    examples = [make_example(nlp, *row) for row in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)
    for _ in range(80):
        nlp.update(examples, sgd=optimizer)
    assert conjuncts(nlp("call mom or dad")) == ["mom", "dad"]
    assert numpy.array_equal(nlp.vocab.vectors.data, pretrained)
    # The folded encoder (large batches) agrees with one-by-one prediction.
    texts = TEXTS * 3
    assert [conjuncts(doc) for doc in nlp.pipe(texts, batch_size=len(texts))] == [conjuncts(nlp(t)) for t in texts]


def test_batch_may_mix_docs_of_two_vocabs(trained_nlp):
    """A doc made by another pipeline's tokenizer has another string store."""
    other = spacy.blank("en")
    docs = [trained_nlp.make_doc("call mom or dad"), other.make_doc("call zebulon or dad")]
    chunker = trained_nlp.get_pipe("coord_chunker")
    annotated = list(chunker.pipe(docs))
    assert conjuncts(annotated[0]) == ["mom", "dad"]


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_adversarial_head_on_and_off(weight):
    nlp = train_pipeline(small_model(head={"n_domains": 4, "adversarial_weight": weight}))
    chunker = nlp.get_pipe("coord_chunker")
    assert chunker.cfg["domains"] == ["music", "phone", "shopping"]
    for text, gold, _ in TRAIN_DATA:
        assert conjuncts(nlp(text)) == gold


def test_too_many_domains_named():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": small_model(head={"n_domains": 2, "adversarial_weight": 0.1})})
    with pytest.raises(ValueError, match="n_domains"):
        nlp.initialize(lambda: [make_example(nlp, *row) for row in TRAIN_DATA])


def test_docs_without_domain_or_spans_still_train():
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", config={"model": small_model(head={"n_domains": 4, "adversarial_weight": 0.1})})
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


PLAIN = "play some jazz and turn off the lights"


@pytest.mark.parametrize(
    "text",
    [
        "play some jazz and\nturn off the lights",
        "play  some jazz and \n\n turn off the lights\n",
        "\n\tplay some jazz and turn off the lights",
    ],
)
def test_whitespace_tokens_change_nothing(trained_nlp, text):
    """Whitespace tokens are no input to the network: the same conjuncts as
    with single spaces, with offsets into the text as it is."""
    model = trained_nlp.get_pipe("coord_chunker").model
    doc, plain = trained_nlp(text), trained_nlp(PLAIN)
    assert any(token.is_space for token in doc)
    numpy.testing.assert_allclose(
        model.predict([doc]).emissions, model.predict([plain]).emissions, rtol=1e-5, atol=1e-5
    )
    assert conjuncts(plain) == ["play some jazz", "turn off the lights"]
    assert [" ".join(span.text.split()) for span in doc.spans["coord"]] == conjuncts(plain)
    assert list(doc.spans["coord"].attrs["scores"]) == pytest.approx(list(plain.spans["coord"].attrs["scores"]))
    for span in list(doc.spans["coord"]) + list(doc.spans["coord_groups"]):
        assert text[span.start_char : span.end_char] == span.text
        assert not span.text[0].isspace() and not span.text[-1].isspace()


def _torch_gradients(chunker):
    """The gradients of all torch weights of the chunker, then cleared."""
    grads = []
    for node in chunker.model.walk():
        for shim in node.shims:
            for param in shim._model.parameters():
                if param.grad is not None:
                    grads.append(param.grad.detach().numpy().copy().ravel())
                    param.grad = None
    return numpy.concatenate(grads)


def test_the_loss_is_the_one_the_gradient_minimizes():
    """get_loss reports the loss whose gradient goes back into the model (the
    mean per doc): a batch of one example twice has the loss and the gradient
    of the example once."""
    nlp = spacy.blank("en")
    chunker = nlp.add_pipe("coord_chunker", config={"model": small_model()})
    example = make_example(nlp, *TRAIN_DATA[0])
    nlp.initialize(lambda: [example])
    once = chunker.update([example])["coord_chunker"]  # no optimizer: the weights stay
    gradient_once = _torch_gradients(chunker)
    twice = chunker.update([example, example.copy()])["coord_chunker"]
    numpy.testing.assert_allclose(twice, once, rtol=1e-5)
    numpy.testing.assert_allclose(_torch_gradients(chunker), gradient_once, rtol=1e-4, atol=1e-7)
    # The contract of get_loss: the gradient is d(loss)/d(each of the model's losses).
    loss, d_loss = chunker.get_loss([example, example.copy()], (2 * once, 0.0))
    assert loss == pytest.approx(once) and d_loss == pytest.approx(loss / (2 * once))
