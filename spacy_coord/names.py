"""Names with a coordinator inside ("simon and garfunkel", "rock and roll")
that the chunker keeps whole.

A lexicon of such names (an app's catalog of artists or titles, or the ones
in the training corpora) turns into tag constraints at prediction: inside a
known name no token is a coordinator and no conjunct begins, so the decoder
either leaves the name alone or keeps it inside one conjunct ("[bread] and
[salt and vinegar chips]").
"""

import re
from typing import Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc

from .tags import COORDINATOR_WORDS, TAGS, B, C

# Words of a name or of a doc: letters and digits, an apostrophe inside kept;
# "&" and "+" stand for the words spoken.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[&+]")
_SPOKEN = {"&": "and", "+": "plus"}
# Hashes of the coordinator words, as `Token.lower` gives them.
_COORDINATOR_KEYS = frozenset(get_string_id(word) for word in COORDINATOR_WORDS)
Words = Tuple[str, ...]


def name_words(text: str) -> Words:
    """A name as lower-case words, punctuation dropped ("Earth, Wind & Fire"
    -> ("earth", "wind", "and", "fire"))."""
    return tuple(_SPOKEN.get(word, word) for word in _WORD.findall(text.lower()))


def _word_positions(doc: Doc, lowers: List[int]) -> List[Tuple[str, int]]:
    """The doc's words as `name_words` sees them, each with its token index
    (punctuation tokens have none), from the tokens' LOWER hashes: a string
    lookup costs far less than a Token object per word."""
    strings = doc.vocab.strings
    positions = []
    for i, key in enumerate(lowers):
        text = strings[key]
        if text.isalnum():
            positions.append((text, i))
        else:
            positions.extend((word, i) for word in name_words(text))
    return positions


class NameLexicon:
    """Names that hold a coordinator word and must not be split.

    Not spaCy's PhraseMatcher: names match across punctuation and "&"
    ("Earth, Wind & Fire" in "earth wind and fire"), and the component has
    no tokenizer to turn added names into pattern docs.

    names (Iterable[str]): The names; others can be added later.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: Dict[Words, str] = {}
        # (word before, coordinator, word after) -> the names holding them,
        # with where the coordinator is in each: one lookup per coordinator.
        self._index: Dict[Words, List[Tuple[Words, int]]] = {}
        self.add(names)

    def __len__(self) -> int:
        return len(self._names)

    @property
    def names(self) -> List[str]:
        """The names, as they were added, sorted."""
        return sorted(self._names.values())

    def add(self, names: Iterable[str]) -> None:
        """Add names; those without a coordinator word between two other
        words are skipped (nothing in them could be split).

        names (Iterable[str]): The names.
        """
        if isinstance(names, str):
            raise TypeError(f"names must be a list of strings, not one string: {names!r}")
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"names must be strings, got {name!r} ({type(name).__name__})")
            words = name_words(name)
            if words in self._names:
                continue
            inner = [i for i in range(1, len(words) - 1) if words[i] in COORDINATOR_WORDS]
            if not inner:
                continue
            self._names[words] = name
            for i in inner:
                self._index.setdefault(words[i - 1 : i + 2], []).append((words, i))

    def find(self, doc: Doc) -> List[Tuple[int, int]]:
        """Token spans (start, end) of the known names in a doc; overlapping
        matches are all returned."""
        # Most docs hold no coordinator word: comparing hashes rules them out
        # with one array read per doc (a Token object per word costs more).
        lowers = doc.to_array(LOWER).tolist() if self._index else []
        if _COORDINATOR_KEYS.isdisjoint(lowers):
            return []
        positions = _word_positions(doc, lowers)
        words = tuple(word for word, _ in positions)
        found = set()
        for i in range(1, len(words) - 1):
            for name, at in self._index.get(words[i - 1 : i + 2], ()):
                start = i - at
                if start >= 0 and words[start : start + len(name)] == name:
                    found.add((positions[start][1], positions[start + len(name) - 1][1] + 1))
        return sorted(found)

    def forbidden_tags(self, doc: Doc) -> Optional[numpy.ndarray]:
        """(len(doc), n_tags) bool: the tags a token may not get because it is
        inside a known name (no coordinator anywhere in it, no conjunct
        beginning after its first word); None when the doc holds no name."""
        spans = self.find(doc)
        if not spans:
            return None
        forbidden = numpy.zeros((len(doc), len(TAGS)), dtype=bool)
        for start, end in spans:
            forbidden[start:end, C] = True
            forbidden[start + 1 : end, B] = True
        return forbidden
