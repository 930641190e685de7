"""Augmentation: seeded, valid tags, negatives, splits, compound requests of imperatives or clauses."""
import pytest
import spacy
from spacy.tokens import Doc

from spacy_coord.training.augment import (
    COORDINATED,
    NAMES_AND,
    PLAIN,
    TRAILING_PHRASES,
    AugExample,
    AugmentConfig,
    Augmenter,
    ListStyle,
    ValuePool,
    asr_example,
    asr_text,
    asr_utterance,
    classify,
    is_command,
    negative_example,
    partition_utterances,
    render_list,
    speak_numbers,
    unit_word,
)
from spacy_coord.corpus import make_gold_doc
from spacy_coord.training.corpora import Utterance
from spacy_coord.training.silver import has_verb, is_imperative
from spacy_coord.tags import TAG_IDS, is_valid, spans_to_tags

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
    _utt("play some Jazz by Miles Davis on Spotify", [("Jazz", "genre"), ("Miles Davis", "artist"), ("Spotify", "service")], "PlayMusic", "u1"),
    _utt("play The Beatles", [("The Beatles", "artist")], "PlayMusic", "u2"),
    _utt("play Simon and Garfunkel please", [("Simon and Garfunkel", "artist")], "PlayMusic", "u3"),
    _utt("play Queen on Deezer", [("Queen", "artist"), ("Deezer", "service")], "PlayMusic", "u4"),
    _utt("what's the weather in Boston at 5 pm", [("Boston", "city"), ("5 pm", "time")], "GetWeather", "u5"),
    _utt("will it rain in Paris at noon", [("Paris", "city"), ("noon", "time")], "GetWeather", "u6"),
    _utt("is it cold in Berlin at 7 am", [("Berlin", "city"), ("7 am", "time")], "GetWeather", "u7"),
    _utt("weather in London", [("London", "city")], "GetWeather", "u8"),
    _utt("book a table at the Surf & Turf Grill", [("Surf & Turf Grill", "restaurant_name")], "BookRestaurant", "u9"),
    _utt("book a table in Rome for 4", [("Rome", "city"), ("4", "party_size")], "BookRestaurant", "u10"),
    _utt("I am leaving from Fresno and want to go to Anaheim", [("Fresno", "city"), ("Anaheim", "city")], "Buses", "u11"),
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


def _augmenter(seed=0, **config):
    return Augmenter(ValuePool(UTTERANCES), AugmentConfig(**config), seed=seed)


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
    examples = _augmenter(seed=1, other_slot_share=0.5).generate(UTTERANCES, 80, MIX)
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


def test_asr_style_of_a_labeled_example():
    text = "I'll leave on the 4th, and return on the 9th. Also book Tom & Jerry!"
    conjuncts = ["leave on the 4th", "return on the 9th", "Tom", "Jerry"]
    starts = [text.index(c) for c in conjuncts]
    spans = [(start, start + len(c)) for start, c in zip(starts, conjuncts)]
    example = AugExample(text, (tuple(spans[:2]), tuple(spans[2:])), "Travel", "silver", ("sgd/train/1",))
    asr = asr_example(example)
    assert asr.text == "i'll leave on the 4th and return on the 9th also book tom and jerry"
    assert [[asr.text[s:e] for s, e in group] for group in asr.groups] == [["leave on the 4th", "return on the 9th"], ["tom", "jerry"]]
    assert (asr.kind, asr.sources) == (example.kind, example.sources)
    # A conjunct of punctuation alone would be left empty: no ASR version.
    assert asr_example(AugExample("!! and ok", (((0, 2), (7, 9)),), "Travel", "silver", ("x",))) is None


def test_determiner_in_every_conjunct():
    utt = _utt("add the milk to my list", [("milk", "item")], "Shopping", "x")
    other = [_utt(f"add the {v} to my list", [(v, "item")], "Shopping", f"y{i}") for i, v in enumerate(["eggs", "apples", "bread"])]
    augmenter = Augmenter(ValuePool([utt] + other), seed=0)
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


def test_between_looks_at_the_base_slot_type():
    """A qualifier is not part of the type's name: "shopping_list_update" holds "date"."""
    values = ["eggs", "apples", "bread", "milk"]
    utts = [_utt(f"add {v} to my shopping list", [(v, "noun_phrase:shopping_list_update")], "home", f"u{i}") for i, v in enumerate(values)]
    augmenter = Augmenter(ValuePool(utts), seed=0)
    assert all(augmenter.between_example(utt) is None for utt in utts)
    dated = [_utt(f"book it for {v}", [(v, "date:travel")], "travel", f"d{i}") for i, v in enumerate(["monday", "friday", "sunday"])]
    augmenter = Augmenter(ValuePool(dated), seed=0)
    assert any(augmenter.between_example(utt) is not None for utt in dated)


def test_compound_example():
    augmenter = _augmenter()
    first, second = UTTERANCES[15], UTTERANCES[16]
    example = augmenter.compound_example(first, second, joiner="and then", asr=False)
    assert example.text == "tell me a joke and then set a timer for ten minutes"
    assert example.conjunct_texts() == ["tell me a joke", "set a timer for ten minutes"]
    assert example.sources == ("c1", "c2")
    assert augmenter.compound_example(UTTERANCES[0], UTTERANCES[1]) is None  # same domain
    assert not is_command(Utterance("thanks a lot, bye"))


@pytest.mark.parametrize(
    "words,heads,deps,tags,expected",
    [
        (["please", "turn", "off", "the", "lights"], [1, 1, 1, 4, 1], ["intj", "ROOT", "prt", "det", "dobj"], ["UH", "VB", "RP", "DT", "NNS"], True),
        (["i", "want", "jazz"], [1, 1, 1], ["nsubj", "ROOT", "dobj"], ["PRP", "VBP", "NN"], False),
        # A base-form verb with its own subject is not a command.
        (["you", "play", "jazz"], [1, 1, 1], ["nsubj", "ROOT", "dobj"], ["PRP", "VB", "NN"], False),
        (["lights", "off"], [0, 0], ["ROOT", "advmod"], ["NNS", "RB"], False),
        (["please"], [0], ["ROOT"], ["UH"], False),
    ],
)
def test_is_imperative(words, heads, deps, tags, expected):
    doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, tags=tags)
    assert is_imperative(doc) is expected


@pytest.mark.parametrize(
    "config,expected",
    [
        ({"imperative_compound_share": 1.0}, {"c1", "c2"}),
        ({"imperative_compound_share": 0.0}, None),
        ({"compound_needs_verb": True}, {"c1", "c2"}),
        ({"compound_needs_verb": False}, None),
    ],
)
def test_compounds_join_imperatives_or_clauses(config, expected):
    augmenter = Augmenter(
        ValuePool(UTTERANCES), AugmentConfig(**config), seed=0, imperatives={"c1", "c2"}, clauses={"c1", "c2"}
    )
    sources = augmenter.sources_by_kind(UTTERANCES)
    joined = set()
    for _ in range(200):
        example = augmenter._make("compound", sources)
        joined.update(example.sources if example else ())
    if expected is None:
        assert len(joined) > 2
    else:
        assert joined == expected


@pytest.mark.parametrize(
    "words,pos,expected",
    [
        (["what", "is", "the", "weather"], ["PRON", "AUX", "DET", "NOUN"], True),
        (["book", "a", "table"], ["VERB", "DET", "NOUN"], True),
        (["the", "6th", "of", "march"], ["DET", "NOUN", "ADP", "PROPN"], False),
        (["in", "gilroy", "please"], ["ADP", "PROPN", "INTJ"], False),
    ],
)
def test_has_verb(words, pos, expected):
    doc = Doc(spacy.blank("en").vocab, words=words, pos=pos)
    assert has_verb(doc) is expected


def test_framed_compound_keeps_frame_out_of_conjuncts():
    augmenter = _augmenter(compound_frame_share=1.0)
    first, second = UTTERANCES[15], UTTERANCES[16]
    for _ in range(20):
        example = augmenter.compound_example(first, second, joiner="and", asr=False)
        assert example.conjunct_texts() == ["tell me a joke", "set a timer for ten minutes"]
        assert example.text != "tell me a joke and set a timer for ten minutes"  # framed


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


@pytest.mark.parametrize("kinds", [True, False])
def test_names_and_negatives_from_kind_slots(kinds):
    utterances = UTTERANCES + [
        _utt("play some Rock & Roll", [("Rock & Roll", "genre")], "PlayMusic", "k1"),
        _utt("play some Blues by Prince", [("Blues", "genre"), ("Prince", "artist")], "PlayMusic", "k2"),
    ]
    augmenter = Augmenter(ValuePool(utterances), AugmentConfig(kind_names_negatives=kinds), seed=3)
    names = augmenter.generate(utterances, 60, {"names_and": 1.0})
    # "Rock & Roll" comes as the original and in place of "Blues"; names of other slots stay.
    assert any("Rock & Roll" in ex.text for ex in names) == kinds
    assert any("Garfunkel" in ex.text for ex in names)


def test_pool_keeps_names_with_and_out_of_lists():
    pool = ValuePool(UTTERANCES)
    assert "Simon and Garfunkel" not in pool.values["artist"]
    assert "Simon and Garfunkel" in pool.and_values["artist"]
    examples = _augmenter(seed=7).generate(UTTERANCES, 50, {"list": 1.0})
    assert all("Garfunkel" not in c for ex in examples for c in ex.conjunct_texts())


def test_config_errors():
    with pytest.raises(ValueError, match="asr_share"):
        AugmentConfig(asr_share=1.5)
    with pytest.raises(ValueError, match="n_values"):
        AugmentConfig(n_values={1: 1.0})
    with pytest.raises(ValueError, match="unknown kinds"):
        _augmenter().generate(UTTERANCES, 5, {"lists": 1.0})


def test_no_sibling_leak_across_splits():
    utts = UTTERANCES + [Utterance("PLAY the beatles ", (), "PlayMusic", "test", "dup")]
    parts = partition_utterances(utts * 3, seed=0, fractions={"train": 0.5, "dev": 0.2, "test": 0.3}, held_out_domain="GetWeather")
    assert all(u.domain == "GetWeather" for u in parts["unseen"])
    assert not any(u.domain == "GetWeather" for name in ("train", "dev", "test") for u in parts[name])
    keys = {name: {" ".join(u.text.lower().split()) for u in parts[name]} for name in parts}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["dev"] and not keys["dev"] & keys["test"]
    # augmented siblings carry their source uid, so they stay in their source's split
    augmenter = Augmenter(ValuePool(parts["test"]), seed=0)
    test_uids = {u.uid for u in parts["test"]}
    for ex in augmenter.generate(parts["test"], 20, MIX):
        assert set(ex.sources) <= test_uids
    assert partition_utterances(utts, seed=1) == partition_utterances(utts, seed=1)


def test_frequent_values_drawn_by_their_counts():
    # "jazz" in 9 utterances, 8 other genres once each: uniform draws pick it 1 in 9 times.
    utts = [_utt("play jazz", [("jazz", "genre")], "music", f"j{i}") for i in range(9)]
    utts += [_utt(f"play {g}", [(g, "genre")], "music", g) for g in "abcdefgh"]
    pool = ValuePool(utts)
    assert pool.counts["genre"][pool.values["genre"].index("jazz")] == 9

    def share_with_jazz(frequent_value_share):
        augmenter = Augmenter(pool, AugmentConfig(frequent_value_share=frequent_value_share), seed=0)
        drawn = [augmenter._draw_values("genre", "a", 2) for _ in range(400)]
        return sum("jazz" in values for values in drawn) / len(drawn)

    assert share_with_jazz(0.0) < 0.2
    assert share_with_jazz(1.0) > 0.4


def test_parallel_lists_draw_values_of_the_original_length():
    genres = ["jazz", "pop", "rock", "soul", "hip hop", "bossa nova", "new wave", "acid jazz", "dream pop"]
    utts = [_utt(f"play {g}", [(g, "genre")], "music", g) for g in genres]
    pool = ValuePool(utts)

    def lengths(parallel_value_share, original):
        augmenter = Augmenter(pool, AugmentConfig(parallel_value_share=parallel_value_share), seed=0)
        drawn = [augmenter._draw_values("genre", original, 3) for _ in range(200)]
        return {len(value.split()) for values in drawn for value in values}

    assert lengths(0.0, "jazz") == {1, 2}
    assert lengths(1.0, "jazz") == {1}
    assert lengths(1.0, "hip hop") == {2}
    # Too few values of the original's length: any length.
    assert lengths(1.0, "drum and bass music") == {1, 2, 4}


def test_one_word_lists_replace_a_longer_original():
    genres = ["jazz", "pop", "rock", "soul", "hip hop", "bossa nova", "new wave"]
    pool = ValuePool([_utt(f"play {g}", [(g, "genre")], "music", g) for g in genres])
    augmenter = Augmenter(pool, AugmentConfig(one_word_list_share=1.0), seed=0)
    for _ in range(50):
        values = augmenter._draw_values("genre", "bossa nova", 3)
        assert len(set(values)) == 3
        assert all(len(value.split()) == 1 for value in values)
    # Four one-word values make a list of 4 without the original, not of 5.
    assert {len(v.split()) for v in augmenter._draw_values("genre", "bossa nova", 4)} == {1}
    drawn = {v for _ in range(50) for v in augmenter._draw_values("genre", "bossa nova", 5)}
    assert "bossa nova" in drawn


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_verb_swap_changes_only_a_command_verb_before_its_list(nlp, share):
    """With the share at 1, a list right after one of `command_verbs` gets
    one drawn from them, its conjuncts still labeled; lists after other
    words keep them."""
    verbs_known = {"add", "buy", "email", "play"}
    config = AugmentConfig(verb_swap_share=share)
    augmenter = Augmenter(ValuePool(UTTERANCES), config, seed=0, command_verbs=sorted(verbs_known))
    for utt, opening in ((UTTERANCES[1], "play "), (UTTERANCES[14], "add ")):  # "play The Beatles", "add Metallica ..."
        verbs = set()
        for _ in range(20):
            example = augmenter.list_example(utt, 2, ListStyle("and"))
            verbs.add(example.text.split()[0])
            _, tag_ids = _tag_ids(nlp, example)
            assert is_valid(tag_ids) and len(example.conjunct_texts()) == 2
        assert verbs <= verbs_known and len(verbs) > 2 if share else verbs == {opening.strip()}
    # "weather in London": "weather in " is no verb before its object.
    assert augmenter.list_example(UTTERANCES[7], 2, ListStyle("and")).text.startswith("weather in ")


@pytest.mark.parametrize(
    "text,spoken",
    [
        ("at 6:30 pm and 7:05", "at six thirty pm and seven oh five"),
        ("at 7pm or 9:00am", "at seven pm or nine am"),
        ("on the 3rd and the 22nd", "on the third and the twenty second"),
        ("a table for 4", "a table for four"),
        ("4/15/2034 at 3.5 stars for $25 in r2d2", "4/15/2034 at 3.5 stars for $25 in r2d2"),
    ],
)
def test_speak_numbers_writes_times_ordinals_and_numbers_as_words(text, spoken):
    assert speak_numbers(text) == spoken


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_spoken_numbers_in_lists_of_speech_recognition_style(nlp, share):
    """At share 1 a list in ASR style speaks its numbers, its conjuncts still
    labeled; at share 0 the corpus is the one made without the lever."""
    config = AugmentConfig(asr_share=1.0, spoken_number_share=share)
    augmenter = Augmenter(ValuePool(UTTERANCES), config, seed=0)
    texts = []
    for _ in range(10):
        example = augmenter.list_example(UTTERANCES[4], 2)  # "... in Boston at 5 pm": city or time
        _, tag_ids = _tag_ids(nlp, example)
        assert is_valid(tag_ids) and len(example.conjunct_texts()) == 2
        texts.append(example.text)
    digits = any(char.isdigit() for text in texts for char in text)
    assert digits != bool(share)
    assert ("five pm" in " ".join(texts)) == bool(share)
    without = Augmenter(ValuePool(UTTERANCES), AugmentConfig(asr_share=1.0), seed=0)
    if not share:
        assert texts == [without.list_example(UTTERANCES[4], 2).text for _ in range(10)]


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_clinc_list_share_draws_lists_from_clinc150_requests(share):
    requests = [
        Utterance(f"add {thing} to my shopping list", ((4, 4 + len(thing), "noun_phrase"),), "shopping", "clinc150", thing)
        for thing in ("eggs", "milk", "paper towels")
    ]
    augmenter = Augmenter(ValuePool(UTTERANCES + requests), AugmentConfig(clinc_list_share=share), seed=2)
    examples = augmenter.generate(UTTERANCES + requests, 40, {"list": 1.0})
    from_clinc = {ex.sources[0] in ("eggs", "milk", "paper towels") for ex in examples}
    assert from_clinc == ({True} if share else {True, False})


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_short_source_share_makes_lists_and_compounds_from_short_requests(share):
    """At share 1 every list and compound request comes from requests of at
    most short_source_words words; at share 0 the long ones are drawn too."""
    config = AugmentConfig(short_source_share=share, short_source_words=4, asr_share=0.0)
    augmenter = Augmenter(ValuePool(UTTERANCES), config, seed=3)
    examples = augmenter.generate(UTTERANCES, 60, {"list": 0.5, "compound": 0.5})
    by_uid = {utt.uid: utt for utt in UTTERANCES}
    longest = max(len(by_uid[uid].text.split()) for ex in examples for uid in ex.sources)
    assert (longest <= 4) == bool(share)


def test_short_source_words_must_be_positive():
    with pytest.raises(ValueError, match="short_source_words"):
        AugmentConfig(short_source_words=0)


@pytest.mark.parametrize("value,unit", [("5 pm", "pm"), ("two Nights", "nights"), ("the 5th", ""), ("pm", ""), ("many days", "")])
def test_unit_word(value, unit):
    assert unit_word(value) == unit


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_shared_unit_share_leaves_the_unit_to_the_last_value(nlp, share):
    """At share 1 a list of times with "pm" keeps "pm" on its last value
    only, and its conjuncts say so; at share 0 every value keeps its own."""
    times = [_utt(f"wake me up at {t} pm", [(f"{t} pm", "time")], "Alarm", f"t{t}") for t in range(1, 8)]
    augmenter = Augmenter(ValuePool(times), AugmentConfig(shared_unit_share=share, asr_share=0.0), seed=1)
    for _ in range(5):
        example = augmenter.list_example(times[0], 3)
        _, tag_ids = _tag_ids(nlp, example)
        conjuncts = example.conjunct_texts()
        assert is_valid(tag_ids) and len(conjuncts) == 3
        assert [c.endswith("pm") for c in conjuncts] == ([False, False, True] if share else [True] * 3)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_preposition_share_makes_lists_of_prepositional_phrases(nlp, share):
    """At share 1 a list after "in" repeats it in every value, inside each
    conjunct; at share 0 the preposition stays before the list, once."""
    augmenter = Augmenter(ValuePool(UTTERANCES), AugmentConfig(preposition_share=share, asr_share=0.0), seed=0)
    for _ in range(5):
        example = augmenter.list_example(UTTERANCES[7], 2)  # "weather in London"
        _, tag_ids = _tag_ids(nlp, example)
        conjuncts = example.conjunct_texts()
        assert is_valid(tag_ids) and len(conjuncts) == 2
        assert all(c.startswith("in ") for c in conjuncts) == bool(share)
        assert example.text.count(" in ") == (2 if share else 1)
