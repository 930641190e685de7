"""The gate: which docs can hold a coordination, decided from their words
before the network runs.

The rule: a doc passes when one of its tokens, lower-cased, is a
conjunction word ("and", "or", "nor", "plus", "&", "n" as in "rock 'n'
roll") or "then" ("pick up the dice, then drop it"), or when it holds the
words "as well as". Any other doc cannot hold a coordination for the
component, which gives it empty span groups without running the network.

A list joined by commas alone does not pass ("what's a good, popular
american meal"): commas are in about a third of an assistant's written
traffic (31% of the SGD test turns, against 12.5% that pass), while on the
evaluation sets (in-house, natural dev, CLINC150 test, SLURP lists) one
gold coordination of 3,166 is joined by commas alone (docs/speed.md,
`metrics/gate.md`).
"""

from typing import Iterable, Iterator, List

from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc

# The words and phrases that join conjuncts; "n" is the middle of "'n'".
CONJUNCTION_WORDS = ("and", "or", "nor", "plus", "&", "n")
PHRASES = (("as", "well", "as"),)
# Joins actions in sequence without a conjunction word: "..., then ...".
SEQUENCE_WORDS = ("then",)

# The most docs a batch of `gated_batches` holds per doc it may pass to the
# network: 8 fills the network's batches where one utterance in eight passes,
# as in the SGD test turns (12.5%).
MAX_DOCS_PER_PASSING = 8

_WORD_IDS = frozenset(get_string_id(word) for word in CONJUNCTION_WORDS + SEQUENCE_WORDS)
_PHRASE_IDS = tuple([get_string_id(word) for word in phrase] for phrase in PHRASES)


def has_coordinator_candidate(doc: Doc) -> bool:
    """Whether the doc passes the gate (see the module's docstring).

    doc (Doc): The doc, tokenized.
    RETURNS (bool): True when the network has to look at it.
    """
    lowers = doc.to_array(LOWER).tolist()
    if not _WORD_IDS.isdisjoint(lowers):
        return True
    return any(_contains(lowers, phrase) for phrase in _PHRASE_IDS)


def passing(docs: Iterable[Doc]) -> List[int]:
    """The positions of the non-empty docs that pass the gate.

    docs (Iterable[Doc]): The docs.
    RETURNS (List[int]): Their positions, in order.
    """
    return [i for i, doc in enumerate(docs) if _passes(doc)]


def _passes(doc: Doc) -> bool:
    return bool(len(doc)) and has_coordinator_candidate(doc)


def _contains(words: List[int], phrase: List[int]) -> bool:
    if phrase[0] not in words:  # the common case, decided without a scan
        return False
    width = len(phrase)
    return any(words[i : i + width] == phrase for i in range(len(words) - width + 1))


def gated_batches(docs: Iterable[Doc], batch_size: int) -> Iterator[List[Doc]]:
    """The docs in order, in batches of at most `batch_size` docs that pass
    the gate, with the docs between them: the network's batches are full on
    traffic where few docs pass. A batch holds at most MAX_DOCS_PER_PASSING
    times `batch_size` docs in all, which bounds the memory and delay.

    docs (Iterable[Doc]): The docs, tokenized.
    batch_size (int): The most docs of a batch that pass the gate.
    YIELDS (List[Doc]): The batches.
    """
    batch: List[Doc] = []
    n_passing = 0
    for doc in docs:
        batch.append(doc)
        n_passing += _passes(doc)
        if n_passing >= batch_size or len(batch) >= MAX_DOCS_PER_PASSING * batch_size:
            yield batch
            batch, n_passing = [], 0
    if batch:
        yield batch
