"""Gold examples before they become docs, and what kind of example an
original utterance makes.

Originals with a coordinator outside their slot values are real
coordinations: `classify` calls them "coordinated", and they are never used
as negatives (they get silver labels from a parser, or are left out).
Originals without one are negatives, also when a slot value has "and"
inside one name ("simon and garfunkel").
"""

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..corpus import CharSpan
from .corpora import Utterance, inside_coordinators, outside_coordinators

# Kinds of examples
LIST, BETWEEN, COMPOUND, NAMES_AND, PLAIN, SILVER = "list", "between", "compound", "names_and", "plain", "silver"
# Kind of an original that holds a coordination of its own.
COORDINATED = "coordinated"
# Most words of a request that a compound request joins to another.
MAX_COMMAND_WORDS = 14

_NUMBER_AND = re.compile(r"\b(hundred|thousand|million)\s+and\s+\w", re.IGNORECASE)
_REPLY_START = re.compile(
    r"^\W*(thanks|thank|yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|great|perfect|cool|nothing|bye|goodbye|"
    r"that|that's|sounds|alright|awesome|wonderful|fine|not|please|hi|hello|hey|good|nice|correct|right|i'm good)\b",
    re.IGNORECASE,
)


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


def classify(utt: Utterance) -> str:
    """The kind of example an original makes.

    utt (Utterance): An original utterance.
    RETURNS (str): "coordinated" when a coordinator stands outside every
        slot value (a real coordination, never a negative), "names_and" when
        one is inside a slot value only, else "plain". The "and" of a spoken
        number ("two hundred and fifty") does not count.
    """
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


def has_number_and(text: str) -> bool:
    """Whether "and" joins parts of a spoken number ("two hundred and fifty")."""
    return bool(_NUMBER_AND.search(text))


def _word_before(text: str, pos: int) -> str:
    """The word before character `pos`, with the whitespace after it."""
    match = re.search(r"(\w+\s+)$", text[:pos])
    return match.group(1) if match else ""


def negative_example(utt: Utterance) -> Optional[AugExample]:
    """The original as a negative (kind plain or names_and), or None when it
    holds a coordination."""
    kind = classify(utt)
    if kind == COORDINATED:
        return None
    return AugExample(utt.text, (), utt.domain, kind, (utt.uid,))


def is_command(utt: Utterance) -> bool:
    """Whether `utt` reads like one request that can be joined to another:
    one sentence of 3 to MAX_COMMAND_WORDS words, not a reply such as "yes please"."""
    n_words = len(utt.text.split())
    return (
        3 <= n_words <= MAX_COMMAND_WORDS
        and not _REPLY_START.match(utt.text)
        and not re.search(r"[.!?;]\s+\S", utt.text.strip())
    )
