"""Augmentation: its settings, seeded draws, valid tags, negatives, splits."""

import dataclasses
import random
from pathlib import Path

import pytest
import spacy

from spacy_coord.corpus import make_gold_doc
from spacy_coord.tags import TAG_IDS, is_valid, spans_to_tags
from spacy_coord.training.augment import TRAILING_PHRASES, Augmenter, Lever
from spacy_coord.training.config import load_corpus_config
from spacy_coord.training.corpora import Utterance
from spacy_coord.training.examples import COORDINATED, NAMES_AND, PLAIN, classify, is_command, negative_example
from spacy_coord.training.pools import ValuePool
from spacy_coord.training.render import ListStyle, asr_text, asr_utterance, render_list
from spacy_coord.training.splits import partition_utterances

CORPUS_CFG = Path(__file__).parents[1] / "configs" / "corpus.cfg"
CORPUS, AUGMENT = load_corpus_config(CORPUS_CFG)

MIX = {"list": 0.5, "between": 0.05, "compound": 0.2, "names_and": 0.1, "plain": 0.15}


def _utt(text, slots, domain, uid):
    """An Utterance whose slots are given as (value, type), found in order."""
    offsets, pos = [], 0
    for value, slot in slots:
        start = text.index(value, pos)
        offsets.append((start, start + len(value), slot))
        pos = start + len(value)
    return Utterance(text, tuple(offsets), domain, "test", uid)


UTTERANCES = [
    _utt(
        "play some Jazz by Miles Davis on Spotify",
        [("Jazz", "genre"), ("Miles Davis", "artist"), ("Spotify", "service")],
        "PlayMusic",
        "u1",
    ),
    _utt("play The Beatles", [("The Beatles", "artist")], "PlayMusic", "u2"),
    _utt("play Simon and Garfunkel please", [("Simon and Garfunkel", "artist")], "PlayMusic", "u3"),
    _utt("play Queen on Deezer", [("Queen", "artist"), ("Deezer", "service")], "PlayMusic", "u4"),
    _utt("what's the weather in Boston at 5 pm", [("Boston", "city"), ("5 pm", "time")], "GetWeather", "u5"),
    _utt("will it rain in Paris at noon", [("Paris", "city"), ("noon", "time")], "GetWeather", "u6"),
    _utt("is it cold in Berlin at 7 am", [("Berlin", "city"), ("7 am", "time")], "GetWeather", "u7"),
    _utt("weather in London", [("London", "city")], "GetWeather", "u8"),
    _utt("book a table at the Surf & Turf Grill", [("Surf & Turf Grill", "restaurant_name")], "BookRestaurant", "u9"),
    _utt("book a table in Rome for 4", [("Rome", "city"), ("4", "party_size")], "BookRestaurant", "u10"),
    _utt(
        "I am leaving from Fresno and want to go to Anaheim", [("Fresno", "city"), ("Anaheim", "city")], "Buses", "u11"
    ),
    _utt("find music by Adele or Drake", [("Adele", "artist"), ("Drake", "artist")], "PlayMusic", "u12"),
    _utt("play Hall and Oates", [("Hall and Oates", "artist")], "PlayMusic", "u13"),
    _utt("play Prince on Youtube", [("Prince", "artist"), ("Youtube", "service")], "PlayMusic", "u14"),
    _utt("add Metallica to my playlist", [("Metallica", "artist")], "AddToPlaylist", "u15"),
    Utterance("tell me a joke", (), "small_talk", "clinc150", "c1"),
    Utterance("set a timer for ten minutes", (), "utility", "clinc150", "c2"),
]


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def _config(**changes):
    """The project's augmentation settings with `changes`."""
    return dataclasses.replace(AUGMENT, **changes)


def _augmenter(seed=0, **changes):
    return Augmenter(ValuePool(UTTERANCES), _config(**changes), seed=seed)


def _tag_ids(nlp, example):
    doc = make_gold_doc(nlp, example.text, groups=example.groups, domain=example.domain)
    assert doc is not None, example
    return doc, [TAG_IDS[t] for t in spans_to_tags(doc, doc.spans["coord"], doc.spans["coord_groups"])]


def test_classify():
    kinds = {u.uid: classify(u) for u in UTTERANCES}
    assert kinds["u2"] == PLAIN
    assert kinds["u3"] == NAMES_AND and kinds["u9"] == NAMES_AND
    assert kinds["u11"] == COORDINATED and kinds["u12"] == COORDINATED
    assert classify(Utterance("what's two hundred and fifty divided by five")) == PLAIN
    assert classify(Utterance("book for patty and I", ((9, 20, "party_size_description"),))) == COORDINATED


def test_coordinated_originals_never_negatives():
    for utt in UTTERANCES:
        if classify(utt) == COORDINATED:
            assert negative_example(utt) is None
            assert _augmenter().list_example(utt, 2) is None
    examples = _augmenter().generate(UTTERANCES, 60, MIX)
    negatives = {ex.text for ex in examples if not ex.groups}
    assert not negatives & {u.text for u in UTTERANCES if classify(u) == COORDINATED}


def test_generate_is_seeded():
    first = _augmenter(seed=3).generate(UTTERANCES, 40, MIX)
    again = _augmenter(seed=3).generate(UTTERANCES, 40, MIX)
    other = _augmenter(seed=4).generate(UTTERANCES, 40, MIX)
    assert first == again
    assert first != other
    assert len(first) == 40
    assert len({ex.text for ex in first}) == 40


def test_generated_examples_valid(nlp):
    examples = _augmenter(seed=1).generate(UTTERANCES, 80, MIX)
    assert {ex.kind for ex in examples} >= {"list", "compound", "names_and", "plain"}
    for ex in examples:
        assert ex.domain
        doc, tag_ids = _tag_ids(nlp, ex)
        assert is_valid(tag_ids), (ex, tag_ids)
        assert len(doc.spans["coord"]) == sum(len(g) for g in ex.groups)
        assert [s.text for s in doc.spans["coord"]] == ex.conjunct_texts()
        if ex.kind in ("names_and", "plain"):
            assert not doc.spans["coord"] and not doc.spans["coord_groups"]


@pytest.mark.parametrize(
    "style,expected",
    [
        (ListStyle("and"), "a b and c"),
        (ListStyle("or", commas="commas"), "a, b or c"),
        (ListStyle("and", commas="oxford"), "a, b, and c"),
        (ListStyle("as well as"), "a b as well as c"),
        (ListStyle("and", polysyndeton=True), "a and b and c"),
    ],
)
def test_render_list(style, expected):
    text, offsets = render_list(["a", "b", "c"], style)
    assert text == expected
    assert [text[s:e] for s, e in offsets] == ["a", "b", "c"]


@pytest.mark.parametrize("n_values", [2, 3, 4])
def test_list_example_paper_recipe(nlp, n_values):
    augmenter = _augmenter(seed=n_values)
    utt = UTTERANCES[1]  # play The Beatles
    example = augmenter.list_example(utt, n_values, ListStyle("and"))
    assert example.kind == "list" and example.domain == "PlayMusic"
    assert example.sources == ("u2",)
    conjuncts = example.conjunct_texts()
    assert len(conjuncts) == n_values
    assert "The Beatles" in conjuncts or "Beatles" in conjuncts
    assert " and " + conjuncts[-1] in example.text
    _, tag_ids = _tag_ids(nlp, example)
    assert is_valid(tag_ids)


def test_trailing_phrase_stays_out_of_the_last_conjunct(nlp):
    augmenter = _augmenter(seed=3, trailing_share=1.0)
    example = augmenter.list_example(UTTERANCES[1], 2, ListStyle("and"))  # play The Beatles
    last = example.conjunct_texts()[-1]
    trailing = example.text[example.text.index(last) + len(last) :].strip()
    assert trailing in TRAILING_PHRASES
    _, tag_ids = _tag_ids(nlp, example)
    assert is_valid(tag_ids)
    # A list that does not end its utterance gets nothing after it.
    utt = _utt("play Queen on my phone", [("Queen", "artist")], "PlayMusic", "x")
    assert augmenter.list_example(utt, 2, ListStyle("and")).text.endswith(" on my phone")


def test_asr_style(nlp):
    utt = _utt("What's the weather in Boston, MA?", [("Boston, MA", "city")], "GetWeather", "x")
    asr = asr_utterance(utt)
    assert asr.text == "what's the weather in boston ma"
    assert [asr.text[s:e] for s, e, _ in asr.slots] == ["boston ma"]
    assert asr_text("Simon & Garfunkel!") == "simon and garfunkel "
    example = _augmenter().list_example(UTTERANCES[4], 3, ListStyle("and", asr=True))
    assert example.text == example.text.lower()
    assert "," not in example.text and "?" not in example.text


def test_determiner_in_every_conjunct():
    utt = _utt("add the milk to my list", [("milk", "item")], "Shopping", "x")
    other = [
        _utt(f"add the {v} to my list", [(v, "item")], "Shopping", f"y{i}")
        for i, v in enumerate(["eggs", "apples", "bread"])
    ]
    augmenter = Augmenter(ValuePool([utt] + other), AUGMENT, seed=0)
    example = augmenter.list_example(utt, 2, ListStyle("and", determiner=True))
    assert all(c.split()[0] in ("the",) for c in example.conjunct_texts())
    assert example.text.startswith("add the ") and example.text.count("the ") == 2


def test_between_example():
    augmenter = _augmenter(seed=2)
    example = None
    for utt in UTTERANCES[4:8]:
        example = example or augmenter.between_example(utt)
    assert example is not None
    assert " between " in example.text and " at between" not in example.text
    assert len(example.conjunct_texts()) == 2


def test_compound_example():
    augmenter = _augmenter()
    first, second = UTTERANCES[15], UTTERANCES[16]
    example = augmenter.compound_example(first, second, joiner="and then", asr=False)
    assert example.text == "tell me a joke and then set a timer for ten minutes"
    assert example.conjunct_texts() == ["tell me a joke", "set a timer for ten minutes"]
    assert example.sources == ("c1", "c2")
    assert augmenter.compound_example(UTTERANCES[0], UTTERANCES[1]) is None  # same domain
    assert not is_command(Utterance("thanks a lot, bye"))


def test_names_and_negatives_have_no_conjuncts(nlp):
    augmenter = _augmenter(seed=5)
    made = [augmenter.names_and_example(u) for u in UTTERANCES for _ in range(3)]
    made = [ex for ex in made if ex is not None]
    assert made
    for ex in made + [negative_example(UTTERANCES[2]), negative_example(UTTERANCES[8])]:
        assert ex.kind == "names_and" and ex.groups == ()
        doc = make_gold_doc(nlp, ex.text, groups=ex.groups, domain=ex.domain)
        assert list(doc.spans["coord"]) == [] and "coord_groups" in doc.spans
    assert any("Garfunkel" in ex.text or "Oates" in ex.text or "Turf" in ex.text for ex in made)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_names_and_negatives_in_speech_recognition_style(share):
    names = [ex for ex in _augmenter(seed=5, names_asr_share=share).generate(UTTERANCES, 60, {"names_and": 1.0})]
    assert names and all(ex.kind == "names_and" for ex in names)
    # The corpora's capitals stay unless the share says otherwise.
    assert all(ex.text == asr_text(ex.text).strip() for ex in names) == (share == 1.0)
    assert any(ex.text != ex.text.lower() for ex in names) == (share == 0.0)


def test_names_and_negatives_also_from_kind_slots():
    """Values of slots that name a kind of thing ("Rock & Roll") are names too."""
    utterances = UTTERANCES + [
        _utt("play some Rock & Roll", [("Rock & Roll", "genre")], "PlayMusic", "k1"),
        _utt("play some Blues by Prince", [("Blues", "genre"), ("Prince", "artist")], "PlayMusic", "k2"),
    ]
    augmenter = Augmenter(ValuePool(utterances), _config(names_asr_share=0.0), seed=3)
    names = augmenter.generate(utterances, 60, {"names_and": 1.0})
    # "Rock & Roll" comes as the original and in place of "Blues"; names of other slots stay.
    assert any("Rock & Roll" in ex.text for ex in names)
    assert any("Garfunkel" in ex.text for ex in names)


def test_pool_keeps_names_with_and_out_of_lists():
    pool = ValuePool(UTTERANCES)
    assert "Simon and Garfunkel" not in pool.values["artist"]
    assert "Simon and Garfunkel" in pool.and_values["artist"]
    examples = _augmenter(seed=7).generate(UTTERANCES, 50, {"list": 1.0})
    assert all("Garfunkel" not in c for ex in examples for c in ex.conjunct_texts())


def test_config_errors():
    with pytest.raises(ValueError, match=r"\[augment\] setting 'asr_share' must be in \[0, 1\], got 1.5"):
        _config(asr_share=1.5)
    with pytest.raises(ValueError, match=r"\[augment.n_values\] keys .* 2 or more, got 1"):
        _config(n_values={1: 1.0})
    with pytest.raises(ValueError, match="unknown kinds"):
        _augmenter().generate(UTTERANCES, 5, {"lists": 1.0})


def test_no_sibling_leak_across_splits():
    utts = UTTERANCES + [Utterance("PLAY the beatles ", (), "PlayMusic", "test", "dup")]
    parts = partition_utterances(
        utts * 3, seed=0, fractions={"train": 0.5, "dev": 0.2, "test": 0.3}, held_out_domain="GetWeather"
    )
    assert all(u.domain == "GetWeather" for u in parts["unseen"])
    assert not any(u.domain == "GetWeather" for name in ("train", "dev", "test") for u in parts[name])
    keys = {name: {" ".join(u.text.lower().split()) for u in parts[name]} for name in parts}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["dev"] and not keys["dev"] & keys["test"]
    # augmented siblings carry their source uid, so they stay in their source's split
    augmenter = Augmenter(ValuePool(parts["test"]), AUGMENT, seed=0)
    test_uids = {u.uid for u in parts["test"]}
    for ex in augmenter.generate(parts["test"], 20, MIX):
        assert set(ex.sources) <= test_uids
    assert partition_utterances(utts, seed=1) == partition_utterances(utts, seed=1)


def test_corpus_cfg_gives_every_setting():
    """configs/corpus.cfg is the one place of the defaults: the settings have none."""
    assert AUGMENT.n_values == {2: 0.45, 3: 0.3, 4: 0.17, 5: 0.08}
    assert list(AUGMENT.coordinators) == ["and", "or", "as well as", "plus", "and also"]
    assert all(0.0 <= share <= 1.0 for share in CORPUS.training_mix.values())
    assert sum(CORPUS.training_mix.values()) == pytest.approx(1.0)
    assert CORPUS.dev_size == CORPUS.n_train // 20
    with pytest.raises(TypeError):
        type(AUGMENT)()


def test_overrides_replace_settings_of_the_config():
    overrides = {"corpus.n_train": 500, "corpus.mix.compound": 0.2, "augment.asr_share": 0.5, "augment.n_values.6": 0.1}
    corpus, augment = load_corpus_config(CORPUS_CFG, overrides)
    assert (corpus.n_train, corpus.dev_size, augment.asr_share) == (500, 100, 0.5)
    assert corpus.training_mix["plain"] == pytest.approx(CORPUS.training_mix["plain"] + 0.08)
    assert augment.n_values[6] == 0.1
    assert dataclasses.replace(augment, asr_share=AUGMENT.asr_share, n_values=AUGMENT.n_values) == AUGMENT


@pytest.mark.parametrize(
    "overrides,error",
    [
        ({"augment.asr_share": 1.5}, "[augment] setting 'asr_share' must be in [0, 1], got 1.5"),
        ({"augment.asr_shar": 0.5}, "[augment] has no setting 'asr_shar'"),
        ({"corpus.n_train": "many"}, "[corpus] setting 'n_train' must be a whole number >= 0, got 'many'"),
        ({"corpus.silver": 1}, "[corpus] setting 'silver' must be true or false, got 1"),
        ({"corpus.mix.compound": 0.6}, "[corpus.mix] shares sum to more than 1"),
        ({"corpus.mix.plain": 0.2}, "[corpus.mix] must give the shares of list, between, compound, names_and"),
        ({"augment.coordinators.and": -1}, "[augment.coordinators] weight of 'and' must be a number >= 0, got -1"),
    ],
)
def test_bad_settings_are_named(overrides, error):
    with pytest.raises(ValueError) as excinfo:
        load_corpus_config(CORPUS_CFG, overrides)
    assert error in str(excinfo.value)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_a_lever_draws_only_where_it_can_apply(share):
    """At share 0, or on items it cannot change, a lever leaves the random
    stream as it was: the draws after it do not depend on it."""
    lever = Lever(share, transform=lambda rng, text: text.upper(), applies=lambda text: text.startswith("a"))
    rng, untouched = random.Random(0), random.Random(0)
    assert lever(rng, "b") == "b"
    assert rng.random() == untouched.random()
    assert lever(rng, "a") == ("A" if share else "a")
    if share:
        untouched.random()
    assert rng.random() == untouched.random()
