"""Conjunct spans <-> per-token B/I/C/O tags, and which tag sequences are valid.

A coordination ("group") is a run of two or more conjuncts. Inside a group,
the tokens between conjuncts are coordinators (`C`): conjunction words and
list commas. Everything outside conjuncts and coordinators is `O`.
"""

from typing import Iterable, List, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc, Span

TAGS: Tuple[str, ...] = ("O", "B", "I", "C")
O, B, I, C = range(len(TAGS))
TAG_IDS = {tag: i for i, tag in enumerate(TAGS)}

# Default `doc.spans` keys of the conjuncts and of the coordinations.
SPANS_KEY = "coord"
GROUPS_KEY = "coord_groups"
CONJUNCT_LABEL = "CONJUNCT"
GROUP_LABEL = "COORDINATION"

# Words that may stand between two conjuncts of one coordination
# ("and", "or", "as well as", "and also", "and then", "plus", "&", "n").
COORDINATOR_WORDS = frozenset({"and", "or", "nor", "plus", "as", "well", "also", "then", "but", "&", "n", "'n'", "'n"})

# ALLOWED[prev, next]: a conjunct starts with B; a coordinator follows a
# conjunct and is followed by another coordinator or a new conjunct.
ALLOWED = numpy.zeros((len(TAGS), len(TAGS)), dtype=bool)
ALLOWED[O, [O, B]] = True
ALLOWED[B, [O, B, I, C]] = True
ALLOWED[I, [O, B, I, C]] = True
ALLOWED[C, [B, C]] = True
ALLOWED_START = numpy.array([True, True, False, False])
ALLOWED_END = numpy.array([True, True, True, False])


def is_coordinator_token(token) -> bool:
    """Whether a token can join two conjuncts: a conjunction word or punctuation."""
    return token.is_punct or token.lower_ in COORDINATOR_WORDS


def is_valid(tag_ids: Sequence[int]) -> bool:
    """Whether a sequence of tag ids can be decoded into conjuncts unambiguously.

    tag_ids (Sequence[int]): Ids into TAGS, one per token.
    RETURNS (bool): True when every transition, the first and the last tag are allowed.
    """
    if len(tag_ids) == 0:
        return True
    if not ALLOWED_START[tag_ids[0]] or not ALLOWED_END[tag_ids[-1]]:
        return False
    return all(ALLOWED[a, b] for a, b in zip(tag_ids, tag_ids[1:]))


def fill_whitespace(content_tags: numpy.ndarray, content: numpy.ndarray, n_tokens: int) -> numpy.ndarray:
    """The tags of all tokens of a doc from those of its content tokens (all
    but whitespace, at indices `content`): what the text with single spaces
    would give. A whitespace token inside a conjunct is I, one between two
    conjuncts of a coordination C, any other O.

    content_tags (numpy.ndarray): A valid tag sequence of the content tokens.
    content (numpy.ndarray): Their indices, ascending.
    n_tokens (int): The number of tokens of the doc.
    RETURNS (numpy.ndarray): A valid tag sequence of all tokens.
    """
    tags = numpy.full(n_tokens, O, dtype=content_tags.dtype)
    tags[content] = content_tags
    if len(content) == n_tokens:
        return tags
    space = numpy.ones(n_tokens, dtype=bool)
    space[content] = False
    after = numpy.searchsorted(content, numpy.arange(n_tokens))  # the next content token, per token
    padded = numpy.concatenate([[O], content_tags, [O]])
    before_tag, next_tag = padded[after], padded[after + 1]
    tags[space & (next_tag == I)] = I
    tags[space & numpy.isin(next_tag, (B, C)) & numpy.isin(before_tag, (B, I, C))] = C
    return tags


def infer_groups(doc: Doc, conjuncts: Iterable[Span]) -> List[List[Span]]:
    """Group conjuncts into coordinations: two neighbouring conjuncts belong
    to one group when only coordinator tokens (or nothing) stand between them.

    doc (Doc): The doc of the conjuncts.
    conjuncts (Iterable[Span]): Non-overlapping conjunct spans.
    RETURNS (List[List[Span]]): The conjuncts of each coordination, in text order.
    """
    groups: List[List[Span]] = []
    for span in sorted(conjuncts, key=lambda s: (s.start, s.end)):
        if groups:
            prev = groups[-1][-1]
            between = doc[prev.end : span.start]
            if span.start >= prev.end and all(is_coordinator_token(t) for t in between):
                groups[-1].append(span)
                continue
        groups.append([span])
    return groups


def spans_to_tags(doc: Doc, conjuncts: Iterable[Span], groups: Optional[Iterable[Span]] = None) -> List[str]:
    """Tag every token of `doc` from its conjuncts.

    doc (Doc): The document the spans belong to.
    conjuncts (Iterable[Span]): The conjunct spans.
    groups (Optional[Iterable[Span]]): Spans covering each coordination. When
        given, every token of a group outside its conjuncts is a coordinator;
        otherwise groups are inferred with `infer_groups`.
    RETURNS (List[str]): One tag of B, I, C, O per token.
    """
    conjuncts = list(conjuncts)
    tags = ["O"] * len(doc)
    for span in conjuncts:
        tags[span.start] = "B"
        for i in range(span.start + 1, span.end):
            tags[i] = "I"
    if groups is not None:
        for group in groups:
            for i in range(group.start, group.end):
                if tags[i] == "O":
                    tags[i] = "C"
    else:
        for group in infer_groups(doc, conjuncts):
            for left, right in zip(group, group[1:]):
                for i in range(left.end, right.start):
                    tags[i] = "C"
    return tags


def tags_to_spans(
    doc: Doc, tag_ids: Sequence[int], confidences: Optional[Sequence[float]] = None
) -> Tuple[List[Span], List[float], List[Span]]:
    """Read conjuncts and coordinations off a valid tag sequence.

    Whitespace tokens are trimmed off a conjunct's edges and a conjunct of
    whitespace only is dropped. A conjunct that is not coordinated with
    another one (a group of one, also after dropping) is dropped: it is no
    coordination.

    doc (Doc): The document.
    tag_ids (Sequence[int]): One tag id per token (see `TAGS`).
    confidences (Optional[Sequence[float]]): Per-token confidence of its tag;
        a conjunct's score is the lowest confidence among its tokens.
    RETURNS (Tuple[List[Span], List[float], List[Span]]): The conjuncts, their
        scores and the coordination spans.
    """
    if B not in tag_ids:  # the common case: no coordination at all
        return [], [], []
    if confidences is None:
        confidences = [1.0] * len(tag_ids)
    groups: List[List[Tuple[int, int]]] = []
    joined = False  # whether the next conjunct continues the current group
    start = None
    for i, tag in enumerate(list(tag_ids) + [O]):
        if start is not None and tag != I:
            groups[-1].append((start, i))
            start = None
            joined = True
        if tag == B:
            if not joined or not groups:
                groups.append([])
            start = i
        elif tag == O:
            joined = False
    conjuncts, scores, group_spans = [], [], []
    for group in groups:
        group = [bounds for bounds in (_trim_space(doc, s, e) for s, e in group) if bounds is not None]
        if len(group) < 2:
            continue
        for s, e in group:
            conjuncts.append(Span(doc, s, e, label=CONJUNCT_LABEL))
            scores.append(float(min(confidences[s:e])))
        group_spans.append(Span(doc, group[0][0], group[-1][1], label=GROUP_LABEL))
    return conjuncts, scores, group_spans


def _trim_space(doc: Doc, start: int, end: int) -> Optional[Tuple[int, int]]:
    """The token range without whitespace tokens at its edges; None if nothing is left."""
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return (start, end) if start < end else None
