"""Split coordinated utterances into the utterances a narrow parser expects.

A narrow slot parser assumes one value per slot and one intent per
utterance. For every coordination that `coord_chunker` found, a variant of
the utterance keeps exactly one of its conjuncts: the coordination span
(first conjunct to last) is replaced by that conjunct, and all text outside
the coordination is kept as it is. With several coordinations the variants
are their product.

    add bananas peanut butter and paper towels to my list
    -> add bananas to my list / add peanut butter to my list /
       add paper towels to my list
    play some jazz and turn off the kitchen lights
    -> play some jazz / turn off the kitchen lights
    buy green and red apples  -> buy green apples / buy red apples

Every character of a variant is a character of the original text, so the
result carries an exact map back: `char_map[i]` is the index in `doc.text`
of the variant's character `i` (`doc.text[char_map[i]] == text[i]`, always
>= 0). Nothing is inserted: the whitespace after a chosen conjunct is the
whitespace that followed the whole coordination, so no double spaces appear
and no space is left before a comma that followed a removed conjunct.

Rules beyond "replace the coordination by one conjunct":

- Shared material is placed where the conjuncts show it belongs: text
  outside the coordination goes with every variant ("buy green and red
  apples": "apples" is shared), text inside a conjunct only with that
  conjunct ("between two and four pm" with conjuncts "two" / "four pm":
  "pm" goes with "four" only).
- Determiners: a determiner (`DETERMINERS`) right before the coordination
  belongs to the first conjunct when a later conjunct brings its own:
  "compare the dollar and the yen" with conjuncts "dollar" / "the yen" gives
  "compare the dollar" and "compare the yen", not "compare the the yen".
  Without its own determiner a conjunct shares it ("the dollar and yen" ->
  "the yen").
- Correlatives: "both" before an "and" coordination and "either" before an
  "or" coordination are left out of every variant ("play either jazz or
  blues" -> "play jazz", "play blues"). "neither ... nor" is kept as it is.
- Ranges: "between X and Y" is one value (a range), not two; with
  `keep_ranges=True` (the default) such a coordination is not split. It is
  recognised as a coordination of exactly two conjuncts, joined by "and"
  alone, right after "between" (`RANGE_WORDS`).
- No coordination (also a name with "and" that the chunker left whole), or
  an empty doc: the utterance itself, once. The result is never empty.
- Overlapping coordinations (only possible in hand-made annotation): the
  first (and, at the same start, the longest) is used, the others ignored.
- More variants than `max_variants`: the first `max_variants` of the
  product (in order of conjuncts) are returned, with a warning.

The original doc is never changed.
"""

import itertools
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

from .tags import GROUPS_KEY, SPANS_KEY, infer_groups

DETERMINERS = frozenset(
    {
        "a",
        "an",
        "the",
        "some",
        "any",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "each",
        "every",
    }
)
# Correlative word before a coordination -> the coordinator it pairs with.
CORRELATIVES = {"both": "and", "either": "or"}
RANGE_WORDS = frozenset({"between"})
USER_DATA_KEY = "spacy_coord.split"


@dataclass(frozen=True)
class SplitUtterance:
    """One utterance of a split, with the map back to the original text.

    text (str): The utterance.
    char_map (Tuple[int, ...]): For each character of `text`, the index of
        the same character in the original `doc.text`.
    conjuncts (Tuple[int, ...]): For each coordination that was split (in
        order of the text), the index in `doc.spans[spans_key]` of the
        conjunct this utterance kept. Empty if nothing was split.
    """

    text: str
    char_map: Tuple[int, ...]
    conjuncts: Tuple[int, ...] = ()

    @property
    def source_ranges(self) -> List[Tuple[int, int]]:
        """The variant as runs of the original text.

        RETURNS (List[Tuple[int, int]]): (start, end) character offsets into
            `doc.text`, in order; concatenated they give `text`.
        """
        ranges: List[Tuple[int, int]] = []
        for i in self.char_map:
            if ranges and ranges[-1][1] == i:
                ranges[-1] = (ranges[-1][0], i + 1)
            else:
                ranges.append((i, i + 1))
        return ranges

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready form.

        RETURNS (Dict[str, Any]): {"text": str, "char_map": List[int]}.
        """
        return {"text": self.text, "char_map": list(self.char_map)}


@dataclass(frozen=True)
class _Group:
    span: Span
    conjuncts: Tuple[Span, ...]
    conjunct_ids: Tuple[int, ...]  # indices into doc.spans[spans_key]
    correlative: Optional[int]  # token index to leave out of every variant
    determiner: Optional[int]  # token index of a determiner right before the group


def split_utterances(
    doc: Doc,
    *,
    spans_key: str = SPANS_KEY,
    groups_key: str = GROUPS_KEY,
    max_variants: int = 64,
    keep_ranges: bool = True,
) -> List[SplitUtterance]:
    """Split a doc's coordinations into one utterance per conjunct.

    doc (Doc): A doc annotated by `coord_chunker` (or by hand): conjuncts in
        `doc.spans[spans_key]`, coordinations in `doc.spans[groups_key]`.
        If `groups_key` is missing, coordinations are inferred from the
        conjuncts (`tags.infer_groups`). The doc is not changed.
    spans_key (str): `doc.spans` key of the conjuncts.
    groups_key (str): `doc.spans` key of the coordinations.
    max_variants (int): Most utterances to return when several
        coordinations multiply out; the first ones are kept, with a warning.
    keep_ranges (bool): Keep "between X and Y" whole (a range, one value).
    RETURNS (List[SplitUtterance]): At least one utterance: the doc's own text
        (with the identity map) if there is nothing to split.

    EXAMPLE:
        >>> doc = nlp("add bananas peanut butter and paper towels to my list")
        >>> [u.text for u in split_utterances(doc)]
        ['add bananas to my list', 'add peanut butter to my list', 'add paper towels to my list']
    """
    if isinstance(max_variants, bool) or not isinstance(max_variants, int) or max_variants < 1:
        raise ValueError(f"max_variants must be an integer >= 1, got {max_variants!r}")
    if spans_key not in doc.spans:
        raise ValueError(
            f"doc.spans has no key {spans_key!r} (keys: {sorted(doc.spans.keys())}). Run the "
            f"doc through a pipeline with 'coord_chunker', or pass the spans_key it uses."
        )
    # spaCy rebuilds doc.text on every read: read it once, not per character.
    text = doc.text
    groups = _find_groups(doc, spans_key, groups_key, keep_ranges=keep_ranges)
    if not groups:
        return [SplitUtterance(text, tuple(range(len(text))), ())]
    n_total = 1
    for group in groups:
        n_total *= len(group.conjuncts)
    if n_total > max_variants:
        warnings.warn(
            f"Splitting {text[:60]!r} gives {n_total} utterances; only the first "
            f"max_variants={max_variants} are returned.",
            stacklevel=2,
        )
    choices = itertools.islice(itertools.product(*(range(len(g.conjuncts)) for g in groups)), max_variants)
    return [_make_variant(doc, text, groups, choice) for choice in choices]


def split_docs(
    doc: Doc,
    *,
    spans_key: str = SPANS_KEY,
    groups_key: str = GROUPS_KEY,
    max_variants: int = 64,
    keep_ranges: bool = True,
) -> List[Doc]:
    """Split a doc's coordinations into new Docs, one per utterance.

    The new docs keep the original tokenization (built with
    `Doc(doc.vocab, words=..., spaces=...)`), carry no other annotation, and
    can be passed to a pipeline (`nlp(new_doc)` or `nlp.pipe(new_docs)`).
    Each holds its `SplitUtterance` in `new_doc.user_data["spacy_coord.split"]`
    (as {"char_map": [...], "conjuncts": [...]}).
    Arguments as for `split_utterances`; the original doc is not changed.

    doc (Doc): A doc annotated by `coord_chunker`.
    RETURNS (List[Doc]): One doc per utterance of `split_utterances`.
    """
    utterances = split_utterances(
        doc, spans_key=spans_key, groups_key=groups_key, max_variants=max_variants, keep_ranges=keep_ranges
    )
    docs = []
    for utt in utterances:
        words, spaces = _words_and_spaces(doc, utt)
        new_doc = Doc(doc.vocab, words=words, spaces=spaces)
        new_doc.user_data[USER_DATA_KEY] = {"char_map": list(utt.char_map), "conjuncts": list(utt.conjuncts)}
        docs.append(new_doc)
    return docs


def split_records(doc: Doc, **kwargs: Any) -> List[Dict[str, Any]]:
    """JSON-ready splits of one doc, for the annotate CLI.

    doc (Doc): A doc annotated by `coord_chunker`.
    **kwargs: Settings passed on to `split_utterances`.
    RETURNS (List[Dict[str, Any]]): One {"text": str, "char_map": List[int]}
        per utterance.
    """
    return [utt.to_dict() for utt in split_utterances(doc, **kwargs)]


def _find_groups(doc: Doc, spans_key: str, groups_key: str, *, keep_ranges: bool) -> List[_Group]:
    conj_group = doc.spans[spans_key]
    index = {}
    for i, span in enumerate(conj_group):
        index.setdefault((span.start, span.end), i)
    if groups_key in doc.spans:
        group_spans = list(doc.spans[groups_key])
    else:
        group_spans = [doc[g[0].start : g[-1].end] for g in infer_groups(doc, conj_group) if len(g) >= 2]
    ordered = sorted(conj_group, key=lambda s: (s.start, -s.end))
    groups: List[_Group] = []
    last_end = -1
    for gspan in sorted(group_spans, key=lambda s: (s.start, -s.end)):
        if gspan.start < last_end or len(gspan) == 0:
            continue  # overlaps a coordination already used
        conjuncts: List[Span] = []
        for span in ordered:
            if gspan.start <= span.start and span.end <= gspan.end and len(span) > 0:
                if not conjuncts or span.start >= conjuncts[-1].end:
                    conjuncts.append(span)
        if len(conjuncts) < 2:
            continue
        inside = set()
        for span in conjuncts:
            inside.update(range(span.start, span.end))
        coordinators = [doc[i].lower_ for i in range(gspan.start, gspan.end) if i not in inside]
        if keep_ranges and _is_range(doc, gspan, conjuncts, coordinators):
            continue
        determiner = None
        if gspan.start > 0 and doc[gspan.start - 1].lower_ in DETERMINERS:
            determiner = gspan.start - 1
        correlative = None
        k = (determiner if determiner is not None else gspan.start) - 1
        if k >= 0 and CORRELATIVES.get(doc[k].lower_) in coordinators:
            correlative = k
        groups.append(
            _Group(
                span=gspan,
                conjuncts=tuple(conjuncts),
                conjunct_ids=tuple(index.get((s.start, s.end), -1) for s in conjuncts),
                correlative=correlative,
                determiner=determiner,
            )
        )
        last_end = gspan.end
    return groups


def _is_range(doc: Doc, gspan: Span, conjuncts: Sequence[Span], coordinators: Sequence[str]) -> bool:
    return (
        gspan.start > 0
        and doc[gspan.start - 1].lower_ in RANGE_WORDS
        and len(conjuncts) == 2
        and [w for w in coordinators if w.strip()] == ["and"]
    )


def _make_variant(doc: Doc, doc_text: str, groups: Sequence[_Group], choice: Sequence[int]) -> SplitUtterance:
    ranges: List[Tuple[int, int]] = []
    pos = 0
    for group, c in zip(groups, choice):
        conj = group.conjuncts[c]
        dropped = []
        if group.correlative is not None:
            dropped.append(doc[group.correlative])
        if group.determiner is not None and c > 0 and conj[0].lower_ in DETERMINERS:
            dropped.append(doc[group.determiner])
        for token in sorted(dropped, key=lambda t: t.i):
            ranges.append((pos, token.idx))
            pos = token.idx + len(token.text_with_ws)
        ranges.append((pos, group.span.start_char))
        ranges.append((conj.start_char, conj.end_char))
        pos = group.span.end_char  # the whitespace after the coordination follows the conjunct
    ranges.append((pos, len(doc_text)))
    char_map: List[int] = []
    for start, end in ranges:
        char_map.extend(range(start, end))
    text = "".join(doc_text[start:end] for start, end in ranges)
    conjunct_ids = tuple(g.conjunct_ids[c] for g, c in zip(groups, choice))
    return SplitUtterance(text, tuple(char_map), conjunct_ids)


def _words_and_spaces(doc: Doc, utt: SplitUtterance) -> Tuple[List[str], List[bool]]:
    """The original tokens a variant is made of, and whether a space follows each."""
    where = {orig: i for i, orig in enumerate(utt.char_map)}
    tokens = []
    for token in doc:
        pos = where.get(token.idx)
        if pos is not None and utt.text[pos : pos + len(token.text)] == token.text:
            if all(utt.char_map[pos + j] == token.idx + j for j in range(len(token.text))):
                tokens.append((pos, token.text))
    words, spaces = [], []
    for k, (pos, text) in enumerate(tokens):
        end = pos + len(text)
        next_pos = tokens[k + 1][0] if k + 1 < len(tokens) else len(utt.text)
        gap = utt.text[end:next_pos]
        if gap not in ("", " "):  # cannot happen with spaCy tokenization; be safe
            raise ValueError(f"Cannot rebuild tokens of {utt.text!r}: unexpected gap {gap!r}")
        words.append(text)
        spaces.append(gap == " ")
    return words, spaces
