"""Training and evaluation data from slot corpora: coordinations made by
augmentation (Agarwal et al. 2018, and variants), and negatives.

The paper's recipe replaces one slot value of an utterance with 2, 3 or 4+
values of the same slot type, a coordinator before the last. Variants:
coordinators ("and", "or", "as well as", "plus", "and also"), list commas with
and without the Oxford comma, lower-case ASR style without punctuation,
polysyndeton ("a and b and c"), a determiner repeated in every conjunct,
"between X and Y", compound intents joined from two commands of different
domains, and optionally list values drawn from other slot types (off by
default: it taught the model to split names with "and", DESIGN §6).

Negatives are originals without a coordinator outside their slot values, and
slot values with "and" inside one name ("simon and garfunkel"), which are
single values. Originals with "and"/"or" outside their slot values are real
coordinations: `classify` calls them "coordinated", and they are never used
as negatives (they get silver labels from a parser, or are left out).

Everything random draws from one `random.Random(seed)`, so a run is repeatable.
"""
import hashlib
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Collection, Dict, Iterable, List, Optional, Sequence, Tuple

from ..corpus import CharSpan
from .corpora import (
    COORDINATING_SLOTS,
    Utterance,
    coordinator_offsets,
    inside_coordinators,
    outside_coordinators,
)

COORDINATORS: Dict[str, float] = {"and": 0.6, "or": 0.2, "as well as": 0.07, "plus": 0.06, "and also": 0.07}
JOINERS: Dict[str, float] = {"and": 0.6, "and then": 0.25, "and also": 0.15}
# Words around a compound request that belong to neither command ("can you
# [turn off the lights] and [lock the door] please"): hand-written, generic.
COMPOUND_PREFIXES = ("please", "can you", "could you", "would you", "hey", "ok", "i need you to", "i want you to", "go ahead and")
COMPOUND_SUFFIXES = ("please", "for me", "thanks", "now", "right now")
# Words after a list that ends a request ("text [ann] and [bo] tomorrow"):
# most slot values end their utterance, so without these the last conjunct
# learns to run to the end. Hand-written, generic.
TRAILING_PHRASES = (
    "today", "tomorrow", "tonight", "this morning", "this afternoon", "this weekend", "next week",
    "on friday", "right now", "now", "please", "for me", "later", "again", "too", "as well",
)
N_VALUES: Dict[int, float] = {2: 0.45, 3: 0.3, 4: 0.17, 5: 0.08}
DETERMINERS = ("the", "a", "an", "my", "some")
# Prepositions a list of phrases repeats ("in boston and in paris").
PREPOSITIONS = ("in", "at", "on", "for", "from", "to", "with", "near", "by", "about")
# Words of a unit after a number that lists of numbers share ("at 5 and 7
# pm", "for 2 or 3 nights"): hand-written, generic.
UNIT_WORDS = frozenset(
    "am pm a.m. p.m. o'clock minutes hours days weeks months years dollars euros people stars points "
    "percent degrees tickets seats rooms nights".split()
)
_NUMBER_WORD = re.compile(
    r"[\d:.]+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred",
    re.IGNORECASE,
)
# A command's verb right before its object: opener, verb, at most one
# determiner or pronoun ("please add the ", "play me ").
_VERB_PREFIX = re.compile(r"^((?:please |just )?)([A-Za-z]+)((?: (?:the|a|an|my|some|me|us|our|your|this))? )$", re.IGNORECASE)
# A slot type may carry a qualifier after this ("noun_phrase:shopping_list_update"),
# which keeps its values in a pool of their own; rules look at the base type.
SLOT_QUALIFIER = ":"
# Slot types (by name) that "between X and Y" suits.
BETWEEN_SLOTS = re.compile(r"time|date|day|hour|city|location|price|number|count|rating|temperature|year|size")
_BETWEEN_PREPOSITIONS = ("at ", "on ", "in ", "for ", "from ", "to ")
_REPLY_START = re.compile(
    r"^\W*(thanks|thank|yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|great|perfect|cool|nothing|bye|goodbye|"
    r"that|that's|sounds|alright|awesome|wonderful|fine|not|please|hi|hello|hey|good|nice|correct|right|i'm good)\b",
    re.IGNORECASE,
)
# Digits a speech recognizer writes as words (`speak_numbers`): not inside
# other tokens ("4/15", "3.5", "r2d2", "$5" stays as digits after "$").
_DIGITS_BEFORE_AM_PM = re.compile(r"(\d)([ap]m)\b", re.IGNORECASE)  # "7pm" is spoken "seven pm"
_SPOKEN_TIME = re.compile(r"(?<![\w./:$])(\d{1,2}):(\d{2})(?![\w/:]|\.\d)")
_SPOKEN_ORDINAL = re.compile(r"(?<![\w./:$])(\d{1,4})(?:st|nd|rd|th)\b", re.IGNORECASE)
_SPOKEN_NUMBER = re.compile(r"(?<![\w./:$,])\d{1,4}(?![\w/:,]|\.\d)")
_NUMBER_AND = re.compile(r"\b(hundred|thousand|million)\s+and\s+\w", re.IGNORECASE)

# Kinds of examples
LIST, BETWEEN, COMPOUND, NAMES_AND, PLAIN, SILVER = "list", "between", "compound", "names_and", "plain", "silver"
# Source pool of the imperatives among the compound requests' commands.
IMPERATIVE = "imperative"
# Source pool of CLINC150's requests among the lists' (`clinc_list_share`).
CLINC_LIST = "clinc_list"
# Source pools of short requests among the lists' and the compound requests' (`short_source_share`).
SHORT_LIST, SHORT_COMPOUND = "short_list", "short_compound"
COORDINATED = "coordinated"


@dataclass(frozen=True)
class AugExample:
    """One gold example before it becomes a Doc.

    text (str): The utterance.
    groups (Tuple[Tuple[CharSpan, ...], ...]): Conjunct character offsets per coordination.
    domain (str): The domain label.
    kind (str): How it was made: list, between, compound, names_and, plain, silver.
    sources (Tuple[str, ...]): Uids of the source utterances it was made from.
    """

    text: str
    groups: Tuple[Tuple[CharSpan, ...], ...]
    domain: str
    kind: str
    sources: Tuple[str, ...]

    def conjunct_texts(self) -> List[str]:
        """The conjuncts as strings."""
        return [self.text[s:e] for group in self.groups for s, e in group]


LIST_COMMAS = ("none", "commas", "oxford")


@dataclass(frozen=True)
class ListStyle:
    """How a list of values is written.

    coordinator (str): The word(s) before the last value.
    commas (str): "none" ("a b and c"), "commas" ("a, b and c") or "oxford" ("a, b, and c").
    polysyndeton (bool): The coordinator between every two values ("a and b and c").
    asr (bool): Lower case without punctuation, like speech recognition output.
    determiner (bool): Repeat a determiner that precedes the slot in every value.
    spoken_numbers (bool): With `asr`, numbers as words ("six thirty").
    preposition (bool): Repeat a preposition that precedes the slot in every
        value, which then are prepositional phrases ("in boston and in paris").
    """

    coordinator: str = "and"
    commas: str = "none"
    polysyndeton: bool = False
    asr: bool = False
    determiner: bool = False
    spoken_numbers: bool = False
    preposition: bool = False

    def __post_init__(self) -> None:
        if self.commas not in LIST_COMMAS:
            raise ValueError(f"ListStyle setting 'commas' must be one of {LIST_COMMAS}, got {self.commas!r}")


@dataclass
class AugmentConfig:
    """Settings of the augmenter (shares are probabilities in [0, 1])."""

    coordinators: Dict[str, float] = field(default_factory=lambda: dict(COORDINATORS))
    joiners: Dict[str, float] = field(default_factory=lambda: dict(JOINERS))
    n_values: Dict[int, float] = field(default_factory=lambda: dict(N_VALUES))
    comma_share: float = 0.3
    oxford_share: float = 0.5
    asr_share: float = 0.4
    polysyndeton_share: float = 0.05
    determiner_share: float = 0.3
    # Share of compound requests framed by a prefix and/or suffix (COMPOUND_PREFIXES).
    compound_frame_share: float = 0.0
    # Share of utterance-final lists followed by a TRAILING_PHRASES phrase.
    trailing_share: float = 0.0
    # Share of list values drawn from other slot types' short values (DESIGN §6: hurts names with "and").
    other_slot_share: float = 0.0
    # Share of list values drawn by how often they occur, not uniformly over
    # distinct values: people list common values ("pop", "sd"), while the
    # distinct values of a type are mostly its long tail.
    frequent_value_share: float = 0.0
    # Share of lists whose values all have as many words as the original:
    # conjuncts of one list are parallel ("monday wednesday and friday"),
    # while values drawn at random differ in length and teach no such prior.
    parallel_value_share: float = 0.0
    # Share of the lists not made parallel whose values are all one word of
    # the slot type ("rock jazz and blues"; no other types' values): people
    # list short values, and without commas only such lists teach that two
    # adjacent words can be two values.
    one_word_list_share: float = 0.0
    # Share of compound requests that join two imperatives ("[turn off the
    # lights] and [lock the door]"): spoken compound requests mostly do,
    # while the corpora's commands are mostly longer requests ("i want to
    # book a table ..."), so a command's object after its verb is otherwise
    # easily read as the first conjunct ("turn off [the lights] and [lock ...]").
    imperative_compound_share: float = 0.0
    # Share of silver examples (natural coordinations of the corpora) in
    # speech-recognition style. SGD writes its turns with capitals and
    # punctuation ("I'll leave on the 4th, and return on the 9th."), which
    # speech has not. Restyled, they lost natural dev over three training
    # seeds (0.686 against 0.748 at 0.7): off.
    silver_asr_share: float = 0.0
    # Share of names-with-"and" negatives in speech-recognition style. The
    # corpora write names with capitals ("War and Peace"), while asr_share
    # of the lists are lower case: a model then learns that lower-case
    # "x and y" is a list, and splits names as speech recognition writes them.
    names_asr_share: float = 0.0
    # Compound requests join only requests with a verb. The corpora's turns
    # hold fragments that answer a question ("the 6th of march"); joined
    # after a request ("[change my name to audrey] and [the 6th of march]"),
    # they teach that a noun phrase after "and" can end a whole-utterance
    # join, against "send a message to [dad] and [my sister]".
    compound_needs_verb: bool = False
    # Share of lists right after a command's verb ("add [eggs and milk]")
    # whose verb is swapped for another verb the corpora's commands open
    # with ("buy eggs and milk"). The corpora list after few verbs (play,
    # add, find); after a rarer one, the model reads the verb and the first
    # value as a request of its own ("[buy milk] and [eggs]").
    verb_swap_share: float = 0.0
    # Share of the lists and compound requests in speech-recognition style
    # whose numbers are spoken as words ("at 6:30 pm" -> "at six thirty
    # pm"), as recognizers often write them: the corpora write digits, so a
    # list of spoken times ("six thirty seven and seven fifteen") is
    # otherwise unseen.
    spoken_number_share: float = 0.0
    # Names-with-"and" negatives also from KIND_SLOTS ("pizza and pasta",
    # "rock & roll"). Their values read like short lists of common nouns
    # ("milk and eggs"), which the negatives then teach to keep whole; the
    # trained pipeline keeps the corpora's own such values whole anyway
    # (names.json).
    kind_names_negatives: bool = True
    # Share of lists drawn from CLINC150's requests (their noun-phrase slots:
    # "add [eggs] to my shopping list"), the rest uniformly from every
    # request with a slot, where SGD's and SNIPS's far outnumber them: short
    # lists of common nouns in natural requests ("milk and eggs") go unfound.
    clinc_list_share: float = 0.0
    # Share of lists and compound requests made from requests of at most
    # short_source_words words, the rest from requests of any length. Spoken
    # requests are short (natural dev's coordinated ones: 9 tokens at the
    # median, lists and all), while the corpora's requests, SGD's above all,
    # are long (the training examples' median: 16): in a short request the
    # list or the second command is most of it.
    short_source_share: float = 0.0
    short_source_words: int = 6
    # Share of lists of a number and its unit ("5 pm", "3 nights") whose
    # values all have that unit and share it: only the last value keeps it
    # ("at [5] and [7 pm]"), as people say them. The corpora's own such
    # values are single, and lists of whole values never leave a unit out.
    shared_unit_share: float = 0.0
    # Share of lists after a preposition that repeat it in every value, so
    # that the conjuncts are prepositional phrases ("weather [in boston] and
    # [in paris]"): the corpora coordinate few phrases of any kind but noun
    # phrases, while people say both.
    preposition_share: float = 0.0
    max_value_words: int = 6
    short_value_words: int = 3
    max_compound_words: int = 14

    def __post_init__(self) -> None:
        for name in ("comma_share", "oxford_share", "asr_share", "polysyndeton_share", "determiner_share", "other_slot_share", "compound_frame_share", "trailing_share", "frequent_value_share", "parallel_value_share", "one_word_list_share", "imperative_compound_share", "names_asr_share", "verb_swap_share", "spoken_number_share", "silver_asr_share", "clinc_list_share", "short_source_share", "shared_unit_share", "preposition_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"AugmentConfig setting '{name}' must be in [0, 1], got {value}")
        for name in ("coordinators", "joiners", "n_values"):
            weights = getattr(self, name)
            if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise ValueError(f"AugmentConfig setting '{name}' needs positive weights, got {weights}")
        if self.short_source_words < 1:
            raise ValueError(f"AugmentConfig setting 'short_source_words' must be >= 1, got {self.short_source_words}")
        if min(self.n_values) < 2:
            raise ValueError(f"AugmentConfig setting 'n_values': a list has 2 or more values, got {self.n_values}")


# Slot types whose values name a kind of thing, not one thing: their values
# with "and" inside are pairs of common nouns ("pizza and pasta", "soup &
# salad", "mac and cheese", "rock & roll").
KIND_SLOTS = frozenset({"category", "cuisine", "genre", "served_dish"})


# ---------------------------------------------------------------------------
# Classifying originals


def has_number_and(text: str) -> bool:
    """Whether "and" joins parts of a spoken number ("two hundred and fifty")."""
    return bool(_NUMBER_AND.search(text))


def classify(utt: Utterance) -> str:
    """"coordinated" when a coordinator stands outside every slot value (a real
    coordination, never a negative), "names_and" when one is inside a slot
    value only, else "plain". "and" inside a spoken number does not count."""
    if real_coordinators(utt):
        return COORDINATED
    if inside_coordinators(utt):
        return NAMES_AND
    return PLAIN


def real_coordinators(utt: Utterance) -> List[CharSpan]:
    """Offsets of the coordinator words of `utt` that can join conjuncts: outside
    every name slot value, and not inside a spoken number ("hundred and fifty")."""
    return [
        (s, e) for s, e in outside_coordinators(utt) if not _NUMBER_AND.match(_word_before(utt.text, s) + utt.text[s:])
    ]


def _word_before(text: str, pos: int) -> str:
    """The word before character `pos`, with the whitespace after it."""
    match = re.search(r"(\w+\s+)$", text[:pos])
    return match.group(1) if match else ""


def has_kind_name(utt: Utterance) -> bool:
    """Whether a value of a KIND_SLOTS slot of `utt` has a coordinator inside
    ("find a [pizza and pasta] place")."""
    return any(slot in KIND_SLOTS and _has_coordinator(utt.text[s:e]) for s, e, slot in utt.slots)


def negative_example(utt: Utterance) -> Optional[AugExample]:
    """The original as a negative (kind plain or names_and), or None when it
    holds a coordination."""
    kind = classify(utt)
    if kind == COORDINATED:
        return None
    return AugExample(utt.text, (), utt.domain, kind, (utt.uid,))


# ---------------------------------------------------------------------------
# ASR-style text


def asr_text(text: str, spoken_numbers: bool = False) -> str:
    """Lower case, "&" spoken as "and", punctuation removed except inside
    words ("what's", "t-shirt", "3.5"), whitespace collapsed (not stripped);
    with `spoken_numbers`, times, ordinals and whole numbers as words first
    (`speak_numbers`)."""
    text = re.sub(r"(?<!\S)&(?!\S)", "and", (speak_numbers(text) if spoken_numbers else text).lower())
    chars = []
    for i, char in enumerate(text):
        if unicodedata.category(char).startswith("P"):
            inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
            if not inside:
                chars.append(" ")
                continue
        chars.append(char)
    return re.sub(r"\s+", " ", "".join(chars))


def speak_numbers(text: str) -> str:
    """Times, ordinals and whole numbers of up to four digits as a speech
    recognizer writes them: "6:30" -> "six thirty", "7:05" -> "seven oh
    five", "9:00" -> "nine", "3rd" -> "third", "1250" -> "one thousand two
    hundred and fifty". Other digits ("4/15", "3.5", "r2d2") stay."""
    from num2words import num2words

    def words(number: int, to: str = "cardinal") -> str:
        return num2words(number, to=to).replace("-", " ").replace(",", "")

    def time(match: "re.Match") -> str:
        hour, minute = int(match.group(1)), int(match.group(2))
        spoken_minute = "" if minute == 0 else f" oh {words(minute)}" if minute < 10 else f" {words(minute)}"
        return words(hour) + spoken_minute

    text = _SPOKEN_TIME.sub(time, _DIGITS_BEFORE_AM_PM.sub(r"\1 \2", text))
    text = _SPOKEN_ORDINAL.sub(lambda m: words(int(m.group(1)), "ordinal"), text)
    return _SPOKEN_NUMBER.sub(lambda m: words(int(m.group(0))), text)


def asr_negative(example: AugExample) -> AugExample:
    """A negative example (no conjuncts, so no offsets to move) in ASR style."""
    return replace(example, text=asr_text(example.text).strip())


def asr_example(example: AugExample) -> Optional[AugExample]:
    """A labeled example (a silver one) in ASR style, its conjunct offsets
    moved along (`asr_utterance` moves them as slots); None when a conjunct
    would be left empty (one of punctuation alone, "[!!] and [ok]")."""
    # Each conjunct becomes a slot named by its coordination's index.
    conjuncts = sorted((start, end, str(g)) for g, group in enumerate(example.groups) for start, end in group)
    asr = asr_utterance(Utterance(example.text, tuple(conjuncts)))
    if len(asr.slots) < len(conjuncts):
        return None
    by_group: Dict[int, List[CharSpan]] = {}
    for start, end, group in asr.slots:  # sorted by offset, so each group's conjuncts stay in order
        by_group.setdefault(int(group), []).append((start, end))
    return replace(example, text=asr.text, groups=tuple(tuple(by_group[g]) for g in sorted(by_group)))


def asr_utterance(utt: Utterance, spoken_numbers: bool = False) -> Utterance:
    """`utt` in ASR style, its slot offsets moved along (a slot left empty is dropped)."""
    text, slots = "", []
    for piece, slot in utt.segments():
        piece = asr_text(piece, spoken_numbers)
        if text.endswith(" ") or not text:
            piece = piece.lstrip()
        if slot is not None:
            core = piece.strip()
            if core:
                if text and not text.endswith(" ") and piece.startswith(" "):
                    text += " "
                slots.append((len(text), len(text) + len(core), slot))
                text += core
                if piece.endswith(" "):
                    text += " "
            continue
        text += piece
    stripped = text.rstrip()
    return Utterance(stripped, tuple(slots), utt.domain, utt.source, utt.uid)


# ---------------------------------------------------------------------------
# Value pools


class ValuePool:
    """Distinct slot values per slot type, drawn from a set of utterances.

    Values with a coordinator or a comma inside, or longer than `max_words`,
    are left out of lists (they read as several values); values with "and"
    inside one name are kept apart as `and_values` for names_and negatives.
    """

    def __init__(self, utterances: Iterable[Utterance], max_words: int = 6, short_words: int = 3) -> None:
        by_type: Dict[str, Dict[str, str]] = {}
        counts: Dict[str, Counter] = {}
        and_values: Dict[str, Dict[str, str]] = {}
        for utt in utterances:
            for slot, value in utt.slot_values():
                key = value.lower()
                if _has_coordinator(value) and slot in COORDINATING_SLOTS:
                    continue
                if _has_coordinator(value):
                    and_values.setdefault(slot, {}).setdefault(key, value)
                elif "," not in value and 0 < len(value.split()) <= max_words:
                    by_type.setdefault(slot, {}).setdefault(key, value)
                    counts.setdefault(slot, Counter())[key] += 1
        self.values: Dict[str, List[str]] = {k: sorted(v.values()) for k, v in sorted(by_type.items())}
        # Occurrences of each value in `values`, in the same order.
        self.counts: Dict[str, List[int]] = {
            slot: [counts[slot][value.lower()] for value in values] for slot, values in self.values.items()
        }
        self.and_values: Dict[str, List[str]] = {k: sorted(v.values()) for k, v in sorted(and_values.items())}
        # (slot, number of words) -> values and counts, filled as asked for.
        self._by_length: Dict[Tuple[str, int], Tuple[List[str], List[int]]] = {}
        # (slot, unit word) -> values and counts, filled as asked for.
        self._by_unit: Dict[Tuple[str, str], Tuple[List[str], List[int]]] = {}
        self.short_values: List[str] = sorted(
            {v for values in self.values.values() for v in values if len(v.split()) <= short_words}
        )

    def size(self, slot: str) -> int:
        """How many distinct list values the slot type has."""
        return len(self.values.get(slot, []))

    def of_length(self, slot: str, n_words: int) -> Tuple[List[str], List[int]]:
        """The values of the slot type with `n_words` words, and their counts."""
        key = (slot, n_words)
        if key not in self._by_length:
            pairs = [(v, c) for v, c in zip(self.values.get(slot, []), self.counts.get(slot, [])) if len(v.split()) == n_words]
            self._by_length[key] = ([v for v, _ in pairs], [c for _, c in pairs])
        return self._by_length[key]

    def with_unit(self, slot: str, unit: str) -> Tuple[List[str], List[int]]:
        """The values of the slot type of a number and `unit` (see
        `unit_word`), and their counts."""
        key = (slot, unit)
        if key not in self._by_unit:
            pairs = [(v, c) for v, c in zip(self.values.get(slot, []), self.counts.get(slot, [])) if unit_word(v) == unit]
            self._by_unit[key] = ([v for v, _ in pairs], [c for _, c in pairs])
        return self._by_unit[key]

    def same_length(self, slot: str, original: str, n_values: int) -> Tuple[List[str], List[int]]:
        """The values of the slot type with as many words as `original`, and
        their counts; all values of the type when fewer than `n_values`
        have that length (so `n_values - 1` others can always be drawn)."""
        values, counts = self.of_length(slot, len(original.split()))
        if len(values) < n_values:
            return self.values.get(slot, []), self.counts.get(slot, [])
        return values, counts


def unit_word(value: str) -> str:
    """The unit of a value that ends in a number and a UNIT_WORDS word,
    lower case ("5 PM" -> "pm", "two nights" -> "nights"); else ""."""
    words = value.split()
    if len(words) >= 2 and words[-1].lower() in UNIT_WORDS and _NUMBER_WORD.fullmatch(words[-2]):
        return words[-1].lower()
    return ""


def base_slot_type(slot: str) -> str:
    """A slot type without its qualifier ("noun_phrase:shopping_list_update" -> "noun_phrase")."""
    return slot.split(SLOT_QUALIFIER, 1)[0]


def _has_coordinator(value: str) -> bool:
    return bool(coordinator_offsets(value))


# ---------------------------------------------------------------------------
# The augmenter


class Augmenter:
    """Makes gold examples from utterances with slots; seeded and repeatable.

    config (AugmentConfig): The settings.
    pool (ValuePool): Where list values come from (build it from the same
        partition of the data as the utterances, so no value leaks across splits).
    seed (int): Seed of the augmenter's `random.Random`.
    imperatives (Collection[str]): Uids of the utterances that are
        imperatives (see `silver.is_imperative`), for the config's
        `imperative_compound_share`.
    clauses (Collection[str]): Uids of the utterances that hold a verb (see
        `silver.has_verb`), for the config's `compound_needs_verb`.
    command_verbs (Sequence[str]): Verbs that commands open with, right
        before their object (see `silver.object_verb`), for the config's
        `verb_swap_share`.
    """

    def __init__(
        self,
        pool: ValuePool,
        config: Optional[AugmentConfig] = None,
        seed: int = 0,
        imperatives: Collection[str] = (),
        clauses: Collection[str] = (),
        command_verbs: Sequence[str] = (),
    ) -> None:
        self.pool = pool
        self.config = config or AugmentConfig()
        self.rng = random.Random(seed)
        self.imperatives = frozenset(imperatives)
        self.clauses = frozenset(clauses)
        self.command_verbs = sorted(set(command_verbs))

    # -- styles -------------------------------------------------------------

    def sample_style(self, n_values: int) -> ListStyle:
        """A list style drawn from the config's shares."""
        cfg, rng = self.config, self.rng
        asr = rng.random() < cfg.asr_share
        commas = "none"
        if not asr and n_values > 2 and rng.random() < cfg.comma_share:
            commas = "oxford" if rng.random() < cfg.oxford_share else "commas"
        return ListStyle(
            coordinator=_weighted(rng, cfg.coordinators),
            commas=commas,
            polysyndeton=n_values > 2 and rng.random() < cfg.polysyndeton_share,
            asr=asr,
            determiner=rng.random() < cfg.determiner_share,
            spoken_numbers=self._spoken_numbers(asr),
            # No draw at share 0: the default corpus stays the same.
            preposition=bool(cfg.preposition_share) and rng.random() < cfg.preposition_share,
        )

    def _spoken_numbers(self, asr: bool) -> bool:
        """Whether an example in ASR style speaks its numbers; draws nothing
        at share 0, so corpora made without the lever stay as they were."""
        return asr and self.config.spoken_number_share > 0 and self.rng.random() < self.config.spoken_number_share

    def sample_n_values(self) -> int:
        """A number of list values drawn from the config's weights."""
        return _weighted(self.rng, self.config.n_values)

    # -- coordinations ------------------------------------------------------

    def list_slots(self, utt: Utterance, n_values: int) -> List[int]:
        """Indices of the slots of `utt` that can become a list of `n_values`:
        the only slot of its type, no coordinator inside, enough pool values."""
        types = [slot for _, _, slot in utt.slots]
        return [
            i
            for i, (start, end, slot) in enumerate(utt.slots)
            if types.count(slot) == 1
            and not _has_coordinator(utt.text[start:end])
            and self.pool.size(slot) >= n_values + 1
        ]

    def list_example(
        self, utt: Utterance, n_values: Optional[int] = None, style: Optional[ListStyle] = None
    ) -> Optional[AugExample]:
        """Replace one slot value of `utt` with a list of `n_values` values of
        its type (the original among them, unless one-word values replace
        it). None when no slot fits, or when `utt` holds a coordination of
        its own."""
        if classify(utt) == COORDINATED:
            return None
        n_values = n_values or self.sample_n_values()
        candidates = self.list_slots(utt, n_values)
        if not candidates:
            return None
        style = style or self.sample_style(n_values)
        if style.asr:
            utt = asr_utterance(utt, style.spoken_numbers)
            candidates = self.list_slots(utt, n_values)
            if not candidates:
                return None
        start, end, slot = utt.slots[self.rng.choice(candidates)]
        values = self._draw_values(slot, utt.text[start:end], n_values)
        if style.asr:
            values = [asr_text(v, style.spoken_numbers).strip() for v in values]
            if not all(values):
                return None
        prefix, suffix = utt.text[:start], utt.text[end:]
        determiner = _trailing_word(prefix, DETERMINERS)
        if determiner:  # "the" + "the 10th" -> "the 10th"
            original = utt.text[start:end]
            values = [v if v == original else _strip_determiner(v) for v in values]
        if determiner and style.determiner:
            prefix = prefix[: len(prefix) - len(determiner) - 1]
            values = [_with_determiner(determiner, v) for v in values]
        preposition = _trailing_word(prefix, PREPOSITIONS)
        if preposition and style.preposition:
            prefix = prefix[: len(prefix) - len(preposition) - 1]
            values = [f"{preposition} {v}" for v in values]
        body, offsets = render_list(values, style)
        return _embed(self._swap_verb(prefix), body, offsets, self._trailing(suffix), utt, LIST)

    def _swap_verb(self, prefix: str) -> str:
        """`prefix`, or for a `verb_swap_share` of the prefixes that are a
        command verb and at most one determiner ("add ", "please add the "),
        the same with another of `command_verbs`."""
        share = self.config.verb_swap_share
        match = _VERB_PREFIX.match(prefix)
        # No draw at share 0: the default corpus stays the same.
        if not share or not match or match.group(2).lower() not in self.command_verbs or self.rng.random() >= share:
            return prefix
        verb = self.rng.choice(self.command_verbs)
        verb = verb.capitalize() if match.group(2)[0].isupper() else verb
        return match.group(1) + verb + match.group(3)

    def _trailing(self, suffix: str) -> str:
        """`suffix`, or a TRAILING_PHRASES phrase before its final
        punctuation when it is nothing else (for a share of lists)."""
        share = self.config.trailing_share
        # No draw at share 0: the default corpus stays the same.
        if share == 0 or suffix.strip(" .?!") or self.rng.random() >= share:
            return suffix
        return f" {self.rng.choice(TRAILING_PHRASES)}{suffix.strip()}"

    def _draw_values(self, slot: str, original: str, n_values: int) -> List[str]:
        """`n_values` distinct values: the original at a random place, the
        others from the slot type (or, for a share, other types' short values),
        uniformly or, for a share, by their frequency; for a share of lists,
        all of as many words as the original, for another all of one word
        (when the type has enough); for a share of the originals with a unit
        ("5 pm"), all with that unit, which only the last keeps ("5", "7 pm")."""
        rng, taken = self.rng, {original.lower()}
        values = [original]
        same, counts = self.pool.values.get(slot, []), self.pool.counts.get(slot, [])
        short = self.pool.short_values
        unit = self._shared_unit(slot, original, n_values)
        if unit:  # values with the unit, of this type only
            (same, counts), short = self.pool.with_unit(slot, unit), []
        # No draw at share 0: the default corpus stays the same.
        elif self.config.parallel_value_share and rng.random() < self.config.parallel_value_share:
            same, counts = self.pool.same_length(slot, original, n_values)
        elif self.config.one_word_list_share and rng.random() < self.config.one_word_list_share:
            one_word, one_word_counts = self.pool.of_length(slot, 1)
            if len(one_word) >= n_values:
                same, counts, short = one_word, one_word_counts, []  # no other types' values, of any length
                if len(original.split()) > 1:  # replaced by one-word values
                    values, taken = [], set()
        frequent_share = self.config.frequent_value_share
        while len(values) < n_values:
            if short and rng.random() < self.config.other_slot_share:
                value = rng.choice(short)
            # No draw at share 0: the default corpus stays the same.
            elif frequent_share and rng.random() < frequent_share:
                value = rng.choices(same, weights=counts)[0]
            else:
                value = rng.choice(same)
            if value.lower() not in taken:
                taken.add(value.lower())
                values.append(value)
        rng.shuffle(values)
        if unit:  # "5 pm", "7 pm" -> "5", "7 pm"
            values = [value.rsplit(None, 1)[0] for value in values[:-1]] + values[-1:]
        return values

    def _shared_unit(self, slot: str, original: str, n_values: int) -> str:
        """The unit the values of this list share (see `shared_unit_share`),
        or "" when they do not: the original has none, too few values of the
        type have it, or the draw says no."""
        share, unit = self.config.shared_unit_share, unit_word(original)
        # No draw at share 0, or without a unit: the default corpus stays the same.
        if not share or not unit or len(self.pool.with_unit(slot, unit)[0]) < n_values:
            return ""
        return unit if self.rng.random() < share else ""

    def between_example(self, utt: Utterance) -> Optional[AugExample]:
        """"between X and Y" in place of a time, place or number slot value."""
        if classify(utt) == COORDINATED:
            return None
        candidates = [i for i in self.list_slots(utt, 2) if BETWEEN_SLOTS.search(base_slot_type(utt.slots[i][2]))]
        if not candidates:
            return None
        start, end, slot = utt.slots[self.rng.choice(candidates)]
        values = self._draw_values(slot, utt.text[start:end], 2)
        prefix = utt.text[:start]
        for preposition in _BETWEEN_PREPOSITIONS:
            if prefix.lower().endswith(" " + preposition):
                prefix = prefix[: -len(preposition)]
                break
        prefix += "between "
        body, offsets = render_list(values, ListStyle("and"))
        return _embed(prefix, body, offsets, utt.text[end:], utt, BETWEEN)

    def compound_example(
        self, first: Utterance, second: Utterance, joiner: Optional[str] = None, asr: Optional[bool] = None
    ) -> Optional[AugExample]:
        """Two commands joined into one compound request: "[play some jazz]
        and then [turn off the lights]". None if either holds a coordination,
        they share a domain, or one is too long."""
        if first.domain == second.domain or COORDINATED in (classify(first), classify(second)):
            return None
        if not (is_command(first, self.config.max_compound_words) and is_command(second, self.config.max_compound_words)):
            return None
        joiner = joiner or _weighted(self.rng, self.config.joiners)
        asr = self.rng.random() < self.config.asr_share if asr is None else asr
        spoken_numbers = self._spoken_numbers(asr)
        left, right = (asr_text(u.text, spoken_numbers).strip() if asr else u.text.strip() for u in (first, second))
        left = left.rstrip(".!?;, ")
        right = _lower_first(right)
        end_punct = re.search(r"[\s.!?]*$", right).group(0)
        right_core = right[: len(right) - len(end_punct)]
        if not left or not right_core:
            return None
        prefix, suffix = self._compound_frame()
        if prefix:
            left = _lower_first(left)
        if suffix:
            end_punct = f" {suffix}" + ("" if asr else end_punct.strip())
        first_start = len(prefix) + 1 if prefix else 0
        text = f"{prefix} " * bool(prefix) + f"{left} {joiner} {right_core}{end_punct}"
        second_start = first_start + len(left) + len(joiner) + 2
        groups = (((first_start, first_start + len(left)), (second_start, second_start + len(right_core))),)
        return AugExample(text, groups, first.domain, COMPOUND, (first.uid, second.uid))

    def _compound_frame(self) -> Tuple[str, str]:
        """A (prefix, suffix) around a compound request; either may be empty."""
        rng = self.rng
        if rng.random() >= self.config.compound_frame_share:
            return "", ""
        prefix = rng.choice(COMPOUND_PREFIXES) if rng.random() < 0.7 else ""
        suffix = rng.choice(COMPOUND_SUFFIXES) if not prefix or rng.random() < 0.3 else ""
        return prefix, suffix

    # -- negatives ----------------------------------------------------------

    def names_and_example(self, utt: Utterance) -> Optional[AugExample]:
        """A negative: one slot value of `utt` replaced by a value of the same
        type with "and" inside one name ("play simon and garfunkel")."""
        if classify(utt) != PLAIN:
            return None
        candidates = [
            i
            for i, (_, _, slot) in enumerate(utt.slots)
            if self.pool.and_values.get(slot) and (self.config.kind_names_negatives or slot not in KIND_SLOTS)
        ]
        if not candidates:
            return None
        start, end, slot = utt.slots[self.rng.choice(candidates)]
        value = self.rng.choice(self.pool.and_values[slot])
        text = utt.text[:start] + value + utt.text[end:]
        return AugExample(text, (), utt.domain, NAMES_AND, (utt.uid,))

    # -- mixes --------------------------------------------------------------

    def generate(self, utterances: Sequence[Utterance], n: int, mix: Dict[str, float]) -> List[AugExample]:
        """`n` examples (fewer if the utterances run out of options), each of a
        kind drawn from `mix` (keys: list, between, compound, names_and, plain).

        Negatives of kind plain/names_and are originals first; names_and
        falls back to substituted values. Every example text is distinct.
        """
        unknown = set(mix) - {LIST, BETWEEN, COMPOUND, NAMES_AND, PLAIN}
        if unknown:
            raise ValueError(f"generate: unknown kinds in mix: {sorted(unknown)}")
        sources = self.sources_by_kind(utterances)
        examples: List[AugExample] = []
        seen = set()
        failures = 0
        while len(examples) < n and failures < 20 * n + 100:
            kind = _weighted(self.rng, mix)
            example = self._make(kind, sources)
            if example is None or example.text in seen:
                failures += 1
                continue
            seen.add(example.text)
            examples.append(example)
        return examples

    def sources_by_kind(self, utterances: Sequence[Utterance]) -> Dict[str, List[Utterance]]:
        """The utterances each kind draws from; negatives as shuffled queues of originals."""
        by_kind: Dict[str, List[Utterance]] = {PLAIN: [], NAMES_AND: [], COORDINATED: []}
        for utt in utterances:
            by_kind[classify(utt)].append(utt)
        max_words = self.config.max_compound_words
        # SGD turns without slots are mostly replies ("it sure is"), not commands.
        commands = [
            u for u in by_kind[PLAIN] + by_kind[NAMES_AND] if (u.slots or u.source != "sgd") and is_command(u, max_words)
        ]
        if self.config.compound_needs_verb:
            commands = [u for u in commands if u.uid in self.clauses]
        names = by_kind[NAMES_AND]
        if not self.config.kind_names_negatives:
            names = [u for u in names if not has_kind_name(u)]
        lists = [u for u in by_kind[PLAIN] + by_kind[NAMES_AND] if u.slots]
        short = self.config.short_source_words
        return {
            LIST: lists,
            CLINC_LIST: [u for u in lists if u.source == "clinc150"],
            SHORT_LIST: [u for u in lists if len(u.text.split()) <= short],
            COMPOUND: commands,
            SHORT_COMPOUND: [u for u in commands if len(u.text.split()) <= short],
            IMPERATIVE: [u for u in commands if u.uid in self.imperatives],
            PLAIN: self.rng.sample(by_kind[PLAIN], len(by_kind[PLAIN])),
            NAMES_AND: self.rng.sample(names, len(names)),
            "slotted_plain": [u for u in by_kind[PLAIN] if u.slots],
        }

    def _make(self, kind: str, sources: Dict[str, List[Utterance]]) -> Optional[AugExample]:
        """One example of `kind` (None when this draw did not work out)."""
        rng = self.rng
        if kind in (LIST, BETWEEN) and sources[LIST]:
            share = self.config.clinc_list_share
            # No draw at share 0: the default corpus stays the same.
            from_clinc = kind == LIST and share and sources[CLINC_LIST] and rng.random() < share
            utt = rng.choice(sources[CLINC_LIST] if from_clinc else self._maybe_short(sources, LIST, SHORT_LIST))
            return self.list_example(utt) if kind == LIST else self.between_example(utt)
        if kind == COMPOUND and sources[COMPOUND]:
            # No draw at share 0: the default corpus stays the same.
            imperative = self.config.imperative_compound_share and rng.random() < self.config.imperative_compound_share
            commands = (
                sources[IMPERATIVE] if imperative and sources[IMPERATIVE]
                else self._maybe_short(sources, COMPOUND, SHORT_COMPOUND)
            )
            return self.compound_example(rng.choice(commands), rng.choice(commands))
        if kind == NAMES_AND and sources[NAMES_AND]:
            return self._names_styled(negative_example(sources[NAMES_AND].pop()))
        if kind == NAMES_AND and sources["slotted_plain"]:
            return self._names_styled(self.names_and_example(rng.choice(sources["slotted_plain"])))
        if kind == PLAIN and sources[PLAIN]:
            return negative_example(sources[PLAIN].pop())
        return None

    def _maybe_short(self, sources: Dict[str, List[Utterance]], pool: str, short_pool: str) -> List[Utterance]:
        """The short requests of `pool` for a `short_source_share` of the
        draws (when there are any), else all of them."""
        share = self.config.short_source_share
        # No draw at share 0: the default corpus stays the same.
        if share and sources[short_pool] and self.rng.random() < share:
            return sources[short_pool]
        return sources[pool]

    def _names_styled(self, example: Optional[AugExample]) -> Optional[AugExample]:
        """A names-with-"and" negative in speech-recognition style, for a
        `names_asr_share` of them."""
        # No draw at share 0: the default corpus stays the same.
        if example is None or not self.config.names_asr_share or self.rng.random() >= self.config.names_asr_share:
            return example
        return asr_negative(example)


# ---------------------------------------------------------------------------
# Rendering


def render_list(values: Sequence[str], style: ListStyle) -> Tuple[str, List[CharSpan]]:
    """Write `values` as one coordination; RETURNS the text and each value's offsets in it."""
    n = len(values)
    text, offsets = "", []
    for i, value in enumerate(values):
        if i > 0:
            last = i == n - 1
            if style.polysyndeton or last:
                comma = "," if (style.commas == "oxford" and n > 2 and last and not style.polysyndeton) else ""
                text += f"{comma} {style.coordinator} "
            else:
                text += ", " if style.commas != "none" else " "
        offsets.append((len(text), len(text) + len(value)))
        text += value
    return text, offsets


def _embed(prefix: str, body: str, offsets: List[CharSpan], suffix: str, utt: Utterance, kind: str) -> AugExample:
    """Put a rendered coordination between `prefix` and `suffix`."""
    if prefix and not prefix[-1].isspace():
        prefix += " "
    if suffix and suffix[0].isalnum():
        suffix = " " + suffix
    shift = len(prefix)
    groups = (tuple((s + shift, e + shift) for s, e in offsets),)
    return AugExample(prefix + body + suffix, groups, utt.domain, kind, (utt.uid,))


def _trailing_word(prefix: str, words: Collection[str]) -> Optional[str]:
    """The word of `words` (lower case) that ends `prefix` ("add the " ->
    "the"), as `prefix` writes it, if any."""
    match = re.search(r"(?:^|\s)(\w+) $", prefix)
    if match and match.group(1).lower() in words:
        return match.group(1)
    return None


def _strip_determiner(value: str) -> str:
    """`value` without a leading determiner ("the 10th" -> "10th")."""
    first, _, rest = value.partition(" ")
    return rest if rest and first.lower() in DETERMINERS else value


def is_command(utt: Utterance, max_words: int = 14) -> bool:
    """Whether `utt` reads like one request that can be joined to another:
    one sentence of 3 to `max_words` words, not a reply such as "yes please"."""
    n_words = len(utt.text.split())
    return (
        3 <= n_words <= max_words
        and not _REPLY_START.match(utt.text)
        and not re.search(r"[.!?;]\s+\S", utt.text.strip())
    )


def _with_determiner(determiner: str, value: str) -> str:
    """`value` led by `determiner`, "a"/"an" agreeing with the value."""
    if determiner.lower() in ("a", "an"):
        article = "an" if value[:1].lower() in "aeiou" else "a"
        determiner = article.capitalize() if determiner[0].isupper() else article
    return f"{determiner} {value}"


def _lower_first(text: str) -> str:
    """Lower-case the first letter of a sentence joined after another, unless
    the first word is "I" or looks like a name or acronym ("NYC", "I'd")."""
    first = text.split(" ", 1)[0]
    if not first or first in ("I",) or first.startswith("I'") or (len(first) > 1 and first[1:].lower() != first[1:]):
        return text
    return text[0].lower() + text[1:]


def _weighted(rng: random.Random, weights: Dict):
    """A key of `weights` drawn with probability proportional to its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


# ---------------------------------------------------------------------------
# Splits


def partition_of(text: str, seed: int, fractions: Dict[str, float]) -> str:
    """The partition of a source utterance, from a stable hash of its
    lower-cased text (duplicates land together) and the seed.

    fractions (Dict[str, float]): Partition name -> share; shares sum to 1.
    """
    digest = hashlib.sha1(f"{seed}\x00{' '.join(text.lower().split())}".encode("utf8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    total = 0.0
    for name, share in fractions.items():
        total += share
        if point < total:
            return name
    return list(fractions)[-1]


def partition_utterances(
    utterances: Iterable[Utterance],
    seed: int = 0,
    fractions: Optional[Dict[str, float]] = None,
    held_out_domain: Optional[str] = None,
) -> Dict[str, List[Utterance]]:
    """Split source utterances (before augmentation, so no augmented sibling
    of a test utterance can reach training).

    fractions: Shares of the partitions (default train 0.85, dev 0.05, test 0.10).
    held_out_domain: Utterances of this domain go to the partition "unseen"
        and nowhere else.
    RETURNS (Dict[str, List[Utterance]]): Partition name -> its utterances.
    """
    fractions = fractions or {"train": 0.85, "dev": 0.05, "test": 0.10}
    if abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f"partition fractions must sum to 1, got {fractions}")
    parts: Dict[str, List[Utterance]] = {name: [] for name in fractions}
    parts["unseen"] = []
    for utt in utterances:
        if held_out_domain is not None and utt.domain == held_out_domain:
            parts["unseen"].append(utt)
        else:
            parts[partition_of(utt.text, seed, fractions)].append(utt)
    return parts
