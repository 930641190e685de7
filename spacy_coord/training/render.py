"""Writing lists of values, and text as speech recognition writes it: lower
case, without punctuation."""

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Collection, List, Optional, Sequence, Tuple

from ..corpus import CharSpan
from .corpora import Utterance
from .examples import AugExample

LIST_COMMAS = ("none", "commas", "oxford")
DETERMINERS = ("the", "a", "an", "my", "some")


@dataclass(frozen=True)
class ListStyle:
    """How a list of values is written.

    coordinator (str): The word(s) before the last value.
    commas (str): "none" ("a b and c"), "commas" ("a, b and c") or "oxford" ("a, b, and c").
    polysyndeton (bool): The coordinator between every two values ("a and b and c").
    asr (bool): Lower case without punctuation, like speech recognition output.
    determiner (bool): Repeat a determiner that precedes the slot in every value.
    """

    coordinator: str = "and"
    commas: str = "none"
    polysyndeton: bool = False
    asr: bool = False
    determiner: bool = False

    def __post_init__(self) -> None:
        if self.commas not in LIST_COMMAS:
            raise ValueError(f"ListStyle setting 'commas' must be one of {LIST_COMMAS}, got {self.commas!r}")


def render_list(values: Sequence[str], style: ListStyle) -> Tuple[str, List[CharSpan]]:
    """Write `values` as one coordination.

    values (Sequence[str]): The values, in order.
    style (ListStyle): How to write them.
    RETURNS (Tuple[str, List[CharSpan]]): The text and each value's offsets in it.
    """
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


def embed(prefix: str, body: str, offsets: List[CharSpan], suffix: str, utt: Utterance, kind: str) -> AugExample:
    """A rendered coordination put between `prefix` and `suffix`, as an
    example made from `utt`."""
    if prefix and not prefix[-1].isspace():
        prefix += " "
    if suffix and suffix[0].isalnum():
        suffix = " " + suffix
    shift = len(prefix)
    groups = (tuple((s + shift, e + shift) for s, e in offsets),)
    return AugExample(prefix + body + suffix, groups, utt.domain, kind, (utt.uid,))


def with_determiner(determiner: str, value: str) -> str:
    """`value` led by `determiner`, "a"/"an" agreeing with the value."""
    if determiner.lower() in ("a", "an"):
        article = "an" if value[:1].lower() in "aeiou" else "a"
        determiner = article.capitalize() if determiner[0].isupper() else article
    return f"{determiner} {value}"


def strip_determiner(value: str) -> str:
    """`value` without a leading determiner ("the 10th" -> "10th")."""
    first, _, rest = value.partition(" ")
    return rest if rest and first.lower() in DETERMINERS else value


def trailing_word(prefix: str, words: Collection[str]) -> Optional[str]:
    """The word of `words` (lower case) that ends `prefix` ("add the " ->
    "the"), as `prefix` writes it, if any."""
    match = re.search(r"(?:^|\s)(\w+) $", prefix)
    if match and match.group(1).lower() in words:
        return match.group(1)
    return None


def lower_first(text: str) -> str:
    """Lower-case the first letter of a sentence joined after another, unless
    the first word is "I" or looks like a name or acronym ("NYC", "I'd")."""
    first = text.split(" ", 1)[0]
    if not first or first in ("I",) or first.startswith("I'") or (len(first) > 1 and first[1:].lower() != first[1:]):
        return text
    return text[0].lower() + text[1:]


# ---------------------------------------------------------------------------
# Speech-recognition style


def asr_text(text: str) -> str:
    """`text` as speech recognition writes it: lower case, "&" spoken as
    "and", punctuation removed except inside words ("what's", "t-shirt",
    "3.5"), whitespace collapsed (not stripped)."""
    text = re.sub(r"(?<!\S)&(?!\S)", "and", text.lower())
    chars = []
    for i, char in enumerate(text):
        if unicodedata.category(char).startswith("P"):
            inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
            if not inside:
                chars.append(" ")
                continue
        chars.append(char)
    return re.sub(r"\s+", " ", "".join(chars))


def asr_utterance(utt: Utterance) -> Utterance:
    """`utt` in speech-recognition style, its slot offsets moved along (a
    slot left empty is dropped)."""
    text, slots = "", []
    for piece, slot in utt.segments():
        piece = asr_text(piece)
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
    return Utterance(text.rstrip(), tuple(slots), utt.domain, utt.source, utt.uid)


def asr_negative(example: AugExample) -> AugExample:
    """A negative example (no conjuncts, so no offsets to move) in speech-recognition style."""
    return replace(example, text=asr_text(example.text).strip())
