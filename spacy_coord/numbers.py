"""Spoken numbers with "and" inside ("nine hundred and ninety nine", "one
hundred and two point four fm") that the chunker keeps whole: a small
grammar, applied as tag constraints at prediction like the names lexicon.

"and" after a scale word (hundred, thousand, ...) and before a number that
holds no scale word of its own is part of one number, so it is no
coordinator and the number after it begins no conjunct. "two hundred and
five hundred" (two numbers) is left to the model.
"""

from typing import Optional

import numpy
from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc

from .tags import TAGS, B, C

UNITS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split()
)
TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())
SCALES = frozenset("hundred thousand million billion".split())
# Words that may continue a number after its first word ("ninety nine point five").
_CONTINUATIONS = UNITS | TENS | {"point", "oh"}
_AND = get_string_id("and")


def _is_number_start(word: str) -> bool:
    return word in UNITS or word in TENS or word.isdigit()


def forbidden_in_numbers(doc: Doc) -> Optional[numpy.ndarray]:
    """(len(doc), n_tags) bool: "and" inside a spoken number may not be a
    coordinator (C) and the word after it may not begin a conjunct (B);
    None when the doc holds no such number.

    doc (Doc): The doc.
    RETURNS (Optional[numpy.ndarray]): The forbidden tags, or None.
    """
    lowers = doc.to_array(LOWER)
    if _AND not in lowers:  # most docs: one array read
        return None
    # From the hashes: a string lookup costs far less than a Token object per word.
    words = [doc.vocab.strings[key] for key in lowers.tolist()]
    forbidden = None
    for i in range(1, len(words) - 1):
        if words[i] != "and" or words[i - 1] not in SCALES or not _is_number_start(words[i + 1]):
            continue
        end = i + 2
        while end < len(words) and (words[end] in _CONTINUATIONS or words[end].isdigit()):
            end += 1
        if end < len(words) and words[end] in SCALES:
            continue  # "two hundred and five hundred": a number of its own after "and"
        if forbidden is None:
            forbidden = numpy.zeros((len(doc), len(TAGS)), dtype=bool)
        forbidden[i, C] = True
        forbidden[i + 1, B] = True
    return forbidden
