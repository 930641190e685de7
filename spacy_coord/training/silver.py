"""Conjunct spans from a dependency parse (`conj` relations).

Used twice: at data-build time to give natural coordinations silver labels,
and in evaluation as the broad-parser baseline. The functions take a doc that
some pipeline (e.g. en_core_web_sm) has already parsed; nothing here loads a
pipeline, and the `coord_chunker` component never uses this module.

A coordination is a head token plus every token reachable from it through
`conj` arcs ("apples" -> "oranges" -> "pears"). Each member's conjunct is the
contiguous run of its subtree around it, without the subtrees of the other
members, their `cc`/`preconj`/`punct` dependents and surrounding punctuation.
For verbal coordinations, a subject and auxiliaries to the left of the first
verb are shared ("I will be [leaving on the 4th] and [returning on the 9th]")
unless the later conjunct has its own subject.
"""

import re
from typing import List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc, Span, Token

from ..corpus import strip_span
from ..tags import CONJUNCT_LABEL, COORDINATOR_WORDS, GROUP_LABEL, GROUPS_KEY, SPANS_KEY
from .corpora import COORDINATING_SLOTS, Utterance, coordinator_offsets
from .examples import has_number_and, real_coordinators

# Dependents of a member that join it to the next one, not part of it.
_COORD_DEPS = {"cc", "preconj", "punct"}
# Left dependents of a verb shared by its conjoined verbs.
_SUBJECT_DEPS = {"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"}
_AUX_DEPS = {"aux", "auxpass", "neg"}
_VERB_POS = {"VERB", "AUX"}
_NOMINAL_POS = {"NOUN", "PROPN", "PRON", "NUM"}
# Words trimmed from the edges of a conjunct.
_EDGE_WORDS = {"and", "or", "nor", "but", "&", "plus"}
_JOINER_ADVERBS = {"also", "then"}

# A token span [start, end) of a doc.
TokenSpan = Tuple[int, int]


def coordination_heads(doc: Doc) -> List[Token]:
    """Tokens that head a coordination: they have a `conj` child and are not
    themselves a `conj` of another token."""
    return [t for t in doc if t.dep_ != "conj" and any(c.dep_ == "conj" for c in t.children)]


def coordination_members(head: Token) -> List[Token]:
    """The head and every token reachable from it through `conj` arcs, in text order."""
    members, stack = [], [head]
    while stack:
        token = stack.pop()
        members.append(token)
        stack.extend(c for c in token.children if c.dep_ == "conj")
    return sorted(members, key=lambda t: t.i)


def parser_conjunct_groups(doc: Doc) -> List[List[TokenSpan]]:
    """Conjunct token spans of every coordination the parse holds.

    doc (Doc): A parsed doc.
    RETURNS (List[List[TokenSpan]]): Per coordination (in text order), its
        conjuncts as (start, end) token offsets; coordinations whose conjuncts
        would be empty or overlap are left out.
    """
    groups: List[List[TokenSpan]] = []
    for head in coordination_heads(doc):
        members = coordination_members(head)
        excluded = _excluded_tokens(members)
        members = _realign_first(members)
        excluded |= _shared_left_tokens(members)
        spans = []
        for member in members:
            span = _member_span(doc, member, members, excluded)
            if span is None:
                break
            spans.append(span)
        else:
            if _well_formed(spans):
                groups.append(spans)
    return _drop_overlapping_groups(sorted(groups))


def _category(token: Token) -> str:
    """ "V" for verbs, "N" for nominals, "" otherwise."""
    if token.pos_ in _VERB_POS:
        return "V"
    if token.pos_ in _NOMINAL_POS:
        return "N"
    return ""


def _realign_first(members: List[Token]) -> List[Token]:
    """Fix a common attachment error: conjuncts are alike, so when every later
    member is a nominal and the first a verb ("set timers for [ten minutes]
    and [twenty minutes]" with "minutes" under "set"), the first conjunct is
    the last nominal before the second member; when every later member is a
    verb and the first a nominal ("order [a pizza] and [text john]"), it is
    the verb governing that nominal."""
    first, rest = members[0], members[1:]
    rest_categories = {_category(m) for m in rest}
    if _category(first) == "V" and rest_categories == {"N"}:
        candidates = [
            t
            for t in first.subtree
            if first.i < t.i < rest[0].i and _category(t) == "N" and t.dep_ not in ("compound", "poss")
        ]
        if candidates:
            return [candidates[-1]] + rest
    elif _category(first) == "N" and rest_categories == {"V"}:
        ancestor = next((a for a in first.ancestors if _category(a) == "V"), None)
        if ancestor is not None and ancestor.i < first.i:
            return [ancestor] + rest
    return members


def _excluded_tokens(members: Sequence[Token]) -> Set[int]:
    """Indices of tokens that belong to no conjunct of this coordination:
    the members' coordinator dependents (with their subtrees)."""
    excluded: Set[int] = set()
    for member in members:
        for child in member.children:
            if child.dep_ in _COORD_DEPS:
                excluded.update(t.i for t in child.subtree)
    return excluded


def _shared_left_tokens(members: Sequence[Token]) -> Set[int]:
    """Subject/auxiliary dependents left of the first verb that the later
    conjuncts share (none of them has a subject of its own)."""
    first, rest = members[0], members[1:]
    if first.pos_ not in _VERB_POS:
        return set()
    if any(c.dep_ in _SUBJECT_DEPS for m in rest for c in m.children):
        return set()
    left = [c for c in first.lefts if c.dep_ in _SUBJECT_DEPS | _AUX_DEPS]
    if not left:
        return set()
    # Everything from the edge of the subtree up to the last shared dependent.
    last = max(t.i for c in left for t in c.subtree)
    return set(range(first.left_edge.i, last + 1))


def _member_span(doc: Doc, member: Token, members: Sequence[Token], excluded: Set[int]) -> Optional[TokenSpan]:
    """The contiguous run of `member`'s own subtree around it, without
    excluded tokens and the other members' subtrees, trimmed at the edges."""
    own = {t.i for t in member.subtree} - excluded
    for other in members:
        if other is not member and member.is_ancestor(other):
            own -= {t.i for t in other.subtree}
    if member.i not in own:
        return None
    start = end = member.i
    while start - 1 in own:
        start -= 1
    while end + 1 in own:
        end += 1
    return _trim(doc, start, end + 1)


def _trim(doc: Doc, start: int, end: int) -> Optional[TokenSpan]:
    """Drop punctuation and coordinator words from the edges of [start, end),
    and "also"/"then" right after a coordinator ("and [also] check ...")."""
    while start < end and (_is_edge_token(doc[start]) or _is_joiner_adverb(doc, start)):
        start += 1
    while end > start and _is_edge_token(doc[end - 1]):
        end -= 1
    return (start, end) if start < end else None


def _is_joiner_adverb(doc: Doc, i: int) -> bool:
    """Whether token i is "also"/"then" following a coordinator word ("and then")."""
    return doc[i].lower_ in _JOINER_ADVERBS and i > 0 and doc[i - 1].lower_ in _EDGE_WORDS


def _is_edge_token(token: Token) -> bool:
    return token.is_punct or token.is_space or token.lower_ in _EDGE_WORDS


def _well_formed(spans: Sequence[TokenSpan]) -> bool:
    """At least two conjuncts, in order, not overlapping."""
    return len(spans) >= 2 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def _drop_overlapping_groups(groups: List[List[TokenSpan]]) -> List[List[TokenSpan]]:
    """Keep coordinations whose conjuncts overlap no conjunct of an earlier
    kept one (nested coordinations are not representable with flat tags);
    the outer (wider) coordination wins."""
    by_width = sorted(groups, key=lambda g: -(g[-1][1] - g[0][0]))
    kept: List[List[TokenSpan]] = []
    taken: Set[int] = set()
    for group in by_width:
        tokens = {i for s, e in group for i in range(s, e)}
        outer = range(group[0][0], group[-1][1])
        if tokens & taken or any(i in outer for i in taken):
            continue
        kept.append(group)
        taken |= set(range(group[0][0], group[-1][1]))
    return sorted(kept)


def parser_conjuncts(doc: Doc) -> List[Tuple[int, int]]:
    """Character offsets (start, end) of every conjunct found by the parse,
    in text order ("apples, oranges and pears" -> three)."""
    return [span for group in parser_conjunct_char_groups(doc) for span in group]


def parser_conjunct_char_groups(doc: Doc) -> List[List[Tuple[int, int]]]:
    """Like `parser_conjuncts`, grouped per coordination."""
    return [
        [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)) for s, e in group] for group in parser_conjunct_groups(doc)
    ]


def parser_conjunct_doc(doc: Doc, spans_key: str = SPANS_KEY, groups_key: str = GROUPS_KEY) -> Doc:
    """Set the parser's conjuncts and coordinations on `doc` (in place) under
    the keys `coord_chunker` uses, so the baseline can be scored like it.

    RETURNS (Doc): The same doc.
    """
    groups = parser_conjunct_groups(doc)
    doc.spans[spans_key] = [Span(doc, s, e, label=CONJUNCT_LABEL) for group in groups for s, e in group]
    doc.spans[groups_key] = [Span(doc, g[0][0], g[-1][1], label=GROUP_LABEL) for g in groups]
    return doc


def filter_silver_groups(
    utt: Utterance, groups: Sequence[Sequence[Tuple[int, int]]]
) -> Optional[List[List[Tuple[int, int]]]]:
    """Silver labels for an original utterance from the parser's conjuncts
    (character offsets per coordination, see `parser_conjunct_char_groups`),
    or None to leave the utterance out.

    A coordination is dropped where the parser is known to fail: a conjunct
    cuts a slot value that is one name ("simon" + "garfunkel"), "and" joins
    parts of a spoken number ("two hundred" + "fifty"), or words other than
    coordinators stand between two conjuncts (they would be tagged C). A slot
    value that is a coordination itself (`coordinating_slot_groups`) gives
    its own conjuncts instead of the parser's coordination over it. The
    utterance is kept only if every real coordinator word
    (`examples.real_coordinators`) stands between two conjuncts of a kept
    coordination: a half-labeled utterance would teach the model to ignore
    the unlabeled coordination.
    """
    names = [(a, b) for a, b, slot in utt.slots if slot not in COORDINATING_SLOTS]
    groups = _with_slot_groups(groups, coordinating_slot_groups(utt))
    kept = [
        [(s, e) for s, e in group]
        for group in groups
        if not _cuts_name(group, names) and not _joins_number(utt.text, group) and _clean_gaps(utt.text, group)
    ]
    gaps = [(left[1], right[0]) for group in kept for left, right in zip(group, group[1:])]
    for start, end in real_coordinators(utt):
        if not any(a <= start and end <= b for a, b in gaps):
            return None
    return kept or None


def coordinating_slot_groups(utt: Utterance) -> List[List[Tuple[int, int]]]:
    """The conjuncts of each slot value that is a coordination itself
    (COORDINATING_SLOTS: "for [me, tiffany and sondra]"), split at its commas
    and coordinators: the parser often lets the first conjunct take the
    request before it ("[book a table for me] and [my wife]").

    utt (Utterance): An utterance with slots.
    RETURNS (List[List[Tuple[int, int]]]): Character offsets of the
        conjuncts, one list per such slot value.
    """
    groups = []
    for start, end, slot in utt.slots:
        value = utt.text[start:end]
        coordinators = coordinator_offsets(value)
        if slot not in COORDINATING_SLOTS or not coordinators:
            continue
        cuts = sorted(coordinators + [(m.start(), m.end()) for m in re.finditer(",", value)])
        bounds = [0] + [i for cut in cuts for i in cut] + [len(value)]
        pieces = [(start + a, start + b) for a, b in zip(bounds[::2], bounds[1::2])]
        group = [strip_span(utt.text, a, b, trailing=".?!") for a, b in pieces]
        group = [(a, b) for a, b in group if a < b]
        if len(group) > 1:
            groups.append(group)
    return groups


def _with_slot_groups(
    groups: Sequence[Sequence[Tuple[int, int]]], slot_groups: Sequence[Sequence[Tuple[int, int]]]
) -> List[List[Tuple[int, int]]]:
    """`groups` with each that overlaps a slot group replaced by the slot group."""

    def overlaps(a: Sequence[Tuple[int, int]], b: Sequence[Tuple[int, int]]) -> bool:
        return a[0][0] < b[-1][1] and b[0][0] < a[-1][1]

    kept = [list(g) for g in groups if not any(overlaps(g, slot) for slot in slot_groups)]
    return sorted(kept + [list(g) for g in slot_groups])


def _cuts_name(group: Sequence[Tuple[int, int]], names: Sequence[Tuple[int, int]]) -> bool:
    """Whether a conjunct overlaps a name without containing all of it."""
    return any(s < b and a < e and not (s <= a and b <= e) for s, e in group for a, b in names)


def _clean_gaps(text: str, group: Sequence[Tuple[int, int]]) -> bool:
    """Whether only coordinator words and punctuation stand between the conjuncts."""
    for left, right in zip(group, group[1:]):
        for word in re.findall(r"[^\W_]+|[^\w\s]", text[left[1] : right[0]]):
            if word.isalnum() and word.lower() not in COORDINATOR_WORDS:
                return False
    return True


def _joins_number(text: str, group: Sequence[Tuple[int, int]]) -> bool:
    """Whether the coordinator between two conjuncts is the "and" of a spoken number."""
    return any(has_number_and(text[max(0, left[1] - 12) : right[0] + 4]) for left, right in zip(group, group[1:]))


# Noun phrases that may become a list: objects of a verb or preposition.
_LISTABLE_DEPS = {"dobj", "pobj", "attr", "oprd"}
NOUN_PHRASE_SLOT = "noun_phrase"


def noun_phrase_slot(doc: Doc, max_words: int = 3) -> Optional[Tuple[int, int, str]]:
    """A slot over an object noun phrase of a parsed utterance, so that
    augmentation can turn it into a list of noun phrases ("add [eggs] to my
    list" -> "add bananas peanut butter and eggs to my list"): common nouns
    in carrier phrases, which the slot corpora hardly coordinate.

    doc (Doc): A parsed utterance with no coordination.
    max_words (int): Longest noun phrase taken, without its determiner.
    RETURNS (Optional[Tuple[int, int, str]]): (start_char, end_char,
        "noun_phrase"), or None when the utterance has no such phrase.
    """
    candidates = []
    for chunk in doc.noun_chunks:
        words = [t for t in chunk if t.pos_ not in ("DET", "PRON")]
        # Determiners and possessives may only lead ("my [shopping list]").
        if (
            chunk.root.dep_ in _LISTABLE_DEPS
            and chunk.root.pos_ == "NOUN"
            and 0 < len(words) <= max_words
            and words == list(doc[words[0].i : chunk.end])
        ):
            candidates.append((chunk.root.dep_ == "dobj", words[0].idx, chunk.end_char))
    if not candidates:
        return None
    # The direct object if there is one ("add [eggs] to my list"), else the last object.
    direct = [c for c in candidates if c[0]]
    _, start, end = direct[0] if direct else candidates[-1]
    return start, end, NOUN_PHRASE_SLOT
