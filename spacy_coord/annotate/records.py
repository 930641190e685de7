"""Writing OUTPUT's lines: an annotated `Doc` as a JSON-ready record, the
same bytes for every engine."""

import functools
import json
from typing import Any, Callable, Dict, List, Optional

from spacy.language import Language
from spacy.tokens import Doc

from ..split import split_records
from ..tags import GROUPS_KEY, SPANS_KEY
from .lines import InputLine
from .options import RunOptions

COORD_FIELD = "coord"
GROUPS_FIELD = "groups"
SPLITS_FIELD = "splits"
# Fields the annotator adds: left out when comparing an output line to its input.
ADDED_FIELDS = (COORD_FIELD, GROUPS_FIELD, SPLITS_FIELD)


def spans_to_dicts(doc: Doc, key: str, with_scores: bool) -> List[Dict[str, Any]]:
    """The spans of `doc.spans[key]` as JSON-ready dicts with character offsets.

    doc (Doc): An annotated doc.
    key (str): The `doc.spans` key; a missing key gives an empty list.
    with_scores (bool): Add "score" from the group's `attrs["scores"]`
        (None where the group has no score for a span).
    RETURNS (List[Dict[str, Any]]): {"start", "end", "text"[, "score"]} per span.
    """
    if key not in doc.spans:
        return []
    group = doc.spans[key]
    scores = list(group.attrs.get("scores", [])) if with_scores else []
    out = []
    for i, span in enumerate(group):
        item: Dict[str, Any] = {"start": span.start_char, "end": span.end_char, "text": span.text}
        if with_scores:
            item["score"] = float(scores[i]) if i < len(scores) else None
        out.append(item)
    return out


def doc_to_record(
    doc: Doc,
    record: Dict[str, Any],
    *,
    spans_key: str = SPANS_KEY,
    groups_key: str = GROUPS_KEY,
    split_fn: Optional[Callable[[Doc], List[Dict[str, Any]]]] = None,
) -> Dict[str, Any]:
    """The output record of one utterance: its input fields plus the annotation.

    doc (Doc): The doc processed by the pipeline.
    record (Dict[str, Any]): The input fields (kept as they are).
    spans_key (str): `doc.spans` key of the conjuncts (with `attrs["scores"]`).
    groups_key (str): `doc.spans` key of the coordinations.
    split_fn (Optional[Callable]): If given, its result is added as "splits".
    RETURNS (Dict[str, Any]): The record with "coord" ({"start", "end",
        "text", "score"} per conjunct) and "groups" ({"start", "end", "text"}
        per coordination); offsets are character offsets into the text.
    """
    out = dict(record)
    out[COORD_FIELD] = spans_to_dicts(doc, spans_key, with_scores=True)
    out[GROUPS_FIELD] = spans_to_dicts(doc, groups_key, with_scores=False)
    if split_fn is not None:
        out[SPLITS_FIELD] = split_fn(doc)
    return out


def dumps(record: Dict[str, Any]) -> str:
    """One JSONL line (with its line break); the same for every engine."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def make_split_fn(spans_key: str, groups_key: str) -> Callable[[Doc], List[Dict[str, Any]]]:
    """`split_records` bound to the component's span keys (for --splits)."""
    return functools.partial(split_records, spans_key=spans_key, groups_key=groups_key)


def annotate_lines(nlp: Language, items: List[InputLine], options: RunOptions, batch_size: int) -> List[str]:
    """OUTPUT's lines for valid input lines, in their order: what each engine
    (and each worker process) computes.

    nlp (Language): The pipeline.
    items (List[InputLine]): Valid input lines (record and text set).
    options (RunOptions): The run's options (span keys, splits).
    batch_size (int): `nlp.pipe` batch size.
    RETURNS (List[str]): One JSON line (with its line break) per item.
    """
    split_fn = make_split_fn(options.spans_key, options.groups_key) if options.splits else None
    docs = nlp.pipe((item.text for item in items), batch_size=batch_size)
    return [
        dumps(
            doc_to_record(
                doc, item.record, spans_key=options.spans_key, groups_key=options.groups_key, split_fn=split_fn
            )
        )
        for item, doc in zip(items, docs)
    ]
