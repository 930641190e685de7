"""Coordinations made by augmentation (Agarwal et al. 2018, and variants),
and negatives.

The paper's recipe replaces one slot value of an utterance with 2, 3 or 4+
values of the same slot type, a coordinator before the last. Variants:
coordinators ("and", "or", "as well as", "plus", "and also"), list commas
with and without the Oxford comma, speech-recognition style without capitals
or punctuation, polysyndeton ("a and b and c"), a determiner repeated in
every conjunct, a phrase after an utterance-final list, "between X and Y",
and compound requests joined from two commands of different domains.

Everything random draws from one `random.Random(seed)`, so a run is repeatable.
"""

import random
import re
from dataclasses import dataclass
from typing import Callable, Dict, Generic, List, Optional, Sequence, TypeVar

from .config import AugmentConfig
from .corpora import Utterance
from .examples import (
    BETWEEN,
    COMPOUND,
    COORDINATED,
    LIST,
    NAMES_AND,
    PLAIN,
    AugExample,
    classify,
    is_command,
    negative_example,
)
from .pools import ValuePool, has_coordinator
from .render import (
    DETERMINERS,
    ListStyle,
    asr_negative,
    asr_text,
    asr_utterance,
    embed,
    lower_first,
    render_list,
    strip_determiner,
    trailing_word,
    with_determiner,
)

# Words after a list that ends a request ("text [ann] and [bo] tomorrow"):
# hand-written, generic.
TRAILING_PHRASES = (
    "today",
    "tomorrow",
    "tonight",
    "this morning",
    "this afternoon",
    "this weekend",
    "next week",
    "on friday",
    "right now",
    "now",
    "please",
    "for me",
    "later",
    "again",
    "too",
    "as well",
)
# Slot types (by name) that "between X and Y" suits.
BETWEEN_SLOTS = re.compile(r"time|date|day|hour|city|location|price|number|count|rating|temperature|year|size")
_BETWEEN_PREPOSITIONS = ("at ", "on ", "in ", "for ", "from ", "to ")
# SGD turns without slots are mostly replies ("it sure is"), not commands.
_REPLY_SOURCE = "sgd"

T = TypeVar("T")


@dataclass(frozen=True)
class Lever(Generic[T]):
    """A share of the examples that a transform changes.

    share (float): The probability that `transform` applies.
    transform (Callable[[random.Random, T], T]): Changes an item: an
        example, or a piece of one.
    applies (Callable[[T], bool]): Whether the item can be changed at all.
    """

    share: float
    transform: Callable[[random.Random, T], T]
    applies: Callable[[T], bool] = lambda item: True

    def __call__(self, rng: random.Random, item: T) -> T:
        """`item`, changed for a `share` of the calls."""
        # No draw at share 0 or where the lever cannot apply, so that the
        # draws after it, and the corpus, do not depend on it.
        if not self.share or not self.applies(item) or rng.random() >= self.share:
            return item
        return self.transform(rng, item)


def trailing_lever(share: float) -> Lever[str]:
    """A phrase from TRAILING_PHRASES after an utterance-final list (its
    suffix is at most final punctuation), before the punctuation."""
    return Lever(
        share,
        transform=lambda rng, suffix: f" {rng.choice(TRAILING_PHRASES)}{suffix.strip()}",
        applies=lambda suffix: not suffix.strip(" .?!"),
    )


def names_asr_lever(share: float) -> Lever[AugExample]:
    """A names-with-"and" negative in speech-recognition style: the corpora
    write names with capitals, which speech does not have."""
    return Lever(share, transform=lambda rng, example: asr_negative(example))


class Augmenter:
    """Makes gold examples from utterances with slots; seeded and repeatable.

    pool (ValuePool): Where list values come from (build it from the same
        partition of the data as the utterances, so no value leaks across splits).
    config (AugmentConfig): The settings.
    seed (int): Seed of the augmenter's `random.Random`.
    """

    def __init__(self, pool: ValuePool, config: AugmentConfig, seed: int = 0) -> None:
        self.pool = pool
        self.config = config
        self.rng = random.Random(seed)
        self.trailing = trailing_lever(config.trailing_share)
        self.names_asr = names_asr_lever(config.names_asr_share)

    def sample_style(self, n_values: int) -> ListStyle:
        """A list style drawn from the config's shares and weights."""
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
        )

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
            and not has_coordinator(utt.text[start:end])
            and self.pool.size(slot) >= n_values + 1
        ]

    def list_example(
        self, utt: Utterance, n_values: Optional[int] = None, style: Optional[ListStyle] = None
    ) -> Optional[AugExample]:
        """Replace one slot value of `utt` with a list of `n_values` values of
        its type, the original among them.

        utt (Utterance): The source utterance.
        n_values (Optional[int]): The number of values (default: drawn).
        style (Optional[ListStyle]): How to write the list (default: drawn).
        RETURNS (Optional[AugExample]): The example, or None when no slot
            fits or `utt` holds a coordination of its own.
        """
        if classify(utt) == COORDINATED:
            return None
        n_values = n_values or self.sample_n_values()
        candidates = self.list_slots(utt, n_values)
        if not candidates:
            return None
        style = style or self.sample_style(n_values)
        if style.asr:
            utt = asr_utterance(utt)
            candidates = self.list_slots(utt, n_values)
            if not candidates:
                return None
        start, end, slot = utt.slots[self.rng.choice(candidates)]
        values = self._draw_values(slot, utt.text[start:end], n_values)
        if style.asr:
            values = [asr_text(v).strip() for v in values]
            if not all(values):
                return None
        prefix, suffix = utt.text[:start], utt.text[end:]
        determiner = trailing_word(prefix, DETERMINERS)
        if determiner:  # "the" + "the 10th" -> "the 10th"
            original = utt.text[start:end]
            values = [v if v == original else strip_determiner(v) for v in values]
        if determiner and style.determiner:
            prefix = prefix[: len(prefix) - len(determiner) - 1]
            values = [with_determiner(determiner, v) for v in values]
        body, offsets = render_list(values, style)
        return embed(prefix, body, offsets, self.trailing(self.rng, suffix), utt, LIST)

    def _draw_values(self, slot: str, original: str, n_values: int) -> List[str]:
        """`n_values` distinct values of the slot type, the original at a random place."""
        rng, taken = self.rng, {original.lower()}
        values = [original]
        same = self.pool.values.get(slot, [])
        while len(values) < n_values:
            # A draw per value that decided between values of this type and
            # of others, when lists took both: kept, so that a seed still
            # gives the corpus it gave.
            rng.random()
            value = rng.choice(same)
            if value.lower() not in taken:
                taken.add(value.lower())
                values.append(value)
        rng.shuffle(values)
        return values

    def between_example(self, utt: Utterance) -> Optional[AugExample]:
        """ "between X and Y" in place of a time, place or number slot value."""
        if classify(utt) == COORDINATED:
            return None
        candidates = [i for i in self.list_slots(utt, 2) if BETWEEN_SLOTS.search(utt.slots[i][2])]
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
        return embed(prefix, body, offsets, utt.text[end:], utt, BETWEEN)

    def compound_example(
        self, first: Utterance, second: Utterance, joiner: Optional[str] = None, asr: Optional[bool] = None
    ) -> Optional[AugExample]:
        """Two commands joined into one compound request: "[play some jazz]
        and then [turn off the lights]".

        first (Utterance): The first command.
        second (Utterance): The second command.
        joiner (Optional[str]): The words between them (default: drawn).
        asr (Optional[bool]): Whether in speech-recognition style (default: drawn).
        RETURNS (Optional[AugExample]): The example, or None if either holds
            a coordination, they share a domain, or one is no command.
        """
        if first.domain == second.domain or COORDINATED in (classify(first), classify(second)):
            return None
        if not (is_command(first) and is_command(second)):
            return None
        joiner = joiner or _weighted(self.rng, self.config.joiners)
        asr = self.rng.random() < self.config.asr_share if asr is None else asr
        left, right = (asr_text(u.text).strip() if asr else u.text.strip() for u in (first, second))
        left = left.rstrip(".!?;, ")
        right = lower_first(right)
        end_punct = re.search(r"[\s.!?]*$", right).group(0)
        right_core = right[: len(right) - len(end_punct)]
        if not left or not right_core:
            return None
        # The draw that once decided whether to frame the request ("can
        # you ... please"): kept, so that a seed still gives the corpus it gave.
        self.rng.random()
        text = f"{left} {joiner} {right_core}{end_punct}"
        second_start = len(left) + len(joiner) + 2
        groups = (((0, len(left)), (second_start, second_start + len(right_core))),)
        return AugExample(text, groups, first.domain, COMPOUND, (first.uid, second.uid))

    # -- negatives ----------------------------------------------------------

    def names_and_example(self, utt: Utterance) -> Optional[AugExample]:
        """A negative: one slot value of `utt` replaced by a value of the same
        type with "and" inside one name ("play simon and garfunkel")."""
        if classify(utt) != PLAIN:
            return None
        candidates = [i for i, (_, _, slot) in enumerate(utt.slots) if self.pool.and_values.get(slot)]
        if not candidates:
            return None
        start, end, slot = utt.slots[self.rng.choice(candidates)]
        value = self.rng.choice(self.pool.and_values[slot])
        text = utt.text[:start] + value + utt.text[end:]
        return AugExample(text, (), utt.domain, NAMES_AND, (utt.uid,))

    # -- mixes --------------------------------------------------------------

    def generate(self, utterances: Sequence[Utterance], n: int, mix: Dict[str, float]) -> List[AugExample]:
        """Examples of the kinds drawn from `mix`, each text once.

        utterances (Sequence[Utterance]): The source utterances.
        n (int): How many (fewer if the utterances run out of options).
        mix (Dict[str, float]): Weights of the kinds: list, between,
            compound, names_and, plain. Negatives of kind plain and
            names_and are originals first; names_and falls back to
            substituted values.
        RETURNS (List[AugExample]): The examples.
        """
        unknown = set(mix) - {LIST, BETWEEN, COMPOUND, NAMES_AND, PLAIN}
        if unknown:
            raise ValueError(f"generate: unknown kinds in mix: {sorted(unknown)}")
        sources = self.sources_by_kind(utterances)
        examples: List[AugExample] = []
        seen = set()
        failures = 0
        while len(examples) < n and failures < 20 * n + 100:
            example = self._make(_weighted(self.rng, mix), sources)
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
        originals = by_kind[PLAIN] + by_kind[NAMES_AND]
        return {
            LIST: [u for u in originals if u.slots],
            COMPOUND: [u for u in originals if (u.slots or u.source != _REPLY_SOURCE) and is_command(u)],
            PLAIN: self.rng.sample(by_kind[PLAIN], len(by_kind[PLAIN])),
            NAMES_AND: self.rng.sample(by_kind[NAMES_AND], len(by_kind[NAMES_AND])),
            "slotted_plain": [u for u in by_kind[PLAIN] if u.slots],
        }

    def _make(self, kind: str, sources: Dict[str, List[Utterance]]) -> Optional[AugExample]:
        """One example of `kind` (None when this draw did not work out)."""
        rng = self.rng
        if kind in (LIST, BETWEEN) and sources[LIST]:
            utt = rng.choice(sources[LIST])
            return self.list_example(utt) if kind == LIST else self.between_example(utt)
        if kind == COMPOUND and sources[COMPOUND]:
            return self.compound_example(rng.choice(sources[COMPOUND]), rng.choice(sources[COMPOUND]))
        if kind == NAMES_AND and sources[NAMES_AND]:
            return self.names_asr(rng, negative_example(sources[NAMES_AND].pop()))
        if kind == NAMES_AND and sources["slotted_plain"]:
            example = self.names_and_example(rng.choice(sources["slotted_plain"]))
            return None if example is None else self.names_asr(rng, example)
        if kind == PLAIN and sources[PLAIN]:
            return negative_example(sources[PLAIN].pop())
        return None


def _weighted(rng: random.Random, weights: Dict):
    """A key of `weights` drawn with probability proportional to its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]
