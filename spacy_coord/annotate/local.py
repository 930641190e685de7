"""The local engine of `spacy-coord annotate`: `nlp.pipe` in this process
(and its `n_process` workers), streaming and resumable."""

import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterator, Optional, Tuple, Union

from spacy.language import Language

from ..tags import GROUPS_KEY, SPANS_KEY
from .core import (
    AnnotateSummary,
    LineWriter,
    ResumeState,
    begin_run,
    doc_to_record,
    dumps,
    error_record,
    errors_path_for,
    iter_input,
    make_split_fn,
    pipeline_info,
)


def annotate_file(
    nlp: Language,
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    *,
    field: str = "text",
    input_format: str = "auto",
    batch_size: int = 256,
    n_process: int = 1,
    spans_key: str = SPANS_KEY,
    groups_key: str = GROUPS_KEY,
    splits: bool = False,
    overwrite: bool = False,
    on_progress: Optional[Callable[[int], None]] = None,
    on_start: Optional[Callable[[ResumeState], None]] = None,
) -> AnnotateSummary:
    """Annotate INPUT into OUTPUT with `nlp.pipe`, streaming and resumable.

    nlp (Language): The pipeline: `coord_chunker`, or a component that
        declares the `doc.spans` keys it sets in its cfg ("spans_key",
        "groups_key") as coord_chunker does.
    input_path (Union[str, Path]): JSONL or plain text, one utterance a line.
    output_path (Union[str, Path]): JSONL, one line per valid input line, in
        order; invalid lines go to OUTPUT.errors.jsonl.
    field (str): The JSONL field holding the utterance (and the output field
        of plain-text input).
    input_format (str): "auto", "jsonl" or "text".
    batch_size (int): `nlp.pipe` batch size.
    n_process (int): `nlp.pipe` processes.
    spans_key (str): `doc.spans` key of the conjuncts.
    groups_key (str): `doc.spans` key of the coordinations.
    splits (bool): Add "splits" from `spacy_coord.split.split_records`.
    overwrite (bool): Start over instead of resuming.
    on_progress (Optional[Callable[[int], None]]): Called with the number of
        input lines done since the last call (for a progress bar).
    on_start (Optional[Callable[[ResumeState], None]]): Called once with the
        resume state before annotation starts.
    RETURNS (AnnotateSummary): What the run did.
    """
    options, state, summary = begin_run(
        input_path,
        output_path,
        pipeline_info(nlp),
        model=f"pipeline '{nlp.path}'" if nlp.path is not None else "the pipeline",
        field=field,
        input_format=input_format,
        spans_key=spans_key,
        groups_key=groups_key,
        splits=splits,
        overwrite=overwrite,
        on_start=on_start,
    )
    split_fn = make_split_fn(spans_key, groups_key) if splits else None
    pending: Deque[Tuple[int, Dict[str, Any]]] = deque()
    start = time.perf_counter()
    with (
        LineWriter(output_path, flush_every=batch_size) as out,
        LineWriter(errors_path_for(output_path), flush_every=64) as errors,
    ):

        def texts() -> Iterator[str]:
            for item in iter_input(
                input_path,
                field=field,
                input_format=options.input_format,
                start_offset=state.offset,
                start_line=state.line_no,
                max_length=options.max_length,
            ):
                if item.error is not None:
                    errors.write(dumps(error_record(item)))
                    summary.n_errors += 1
                elif item.record is None:
                    summary.n_blank += 1
                else:
                    pending.append((item.line_no, item.record))
                    yield item.text
                read_up_to[0] = item.line_no

        last_line = state.line_no - 1
        read_up_to = [last_line]
        for doc in nlp.pipe(texts(), batch_size=batch_size, n_process=n_process):
            line_no, record = pending.popleft()
            out.write(dumps(doc_to_record(doc, record, spans_key=spans_key, groups_key=groups_key, split_fn=split_fn)))
            if on_progress is not None:
                on_progress(line_no - last_line)
            last_line = line_no
        if on_progress is not None and read_up_to[0] > last_line:
            on_progress(read_up_to[0] - last_line)  # trailing invalid or blank lines
        out.flush()
        summary.n_written = out.n_written
    summary.seconds = time.perf_counter() - start
    return summary
