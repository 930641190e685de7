"""The local engine of `spacy-coord annotate`: `nlp.pipe` in this process,
or in `n_process` worker processes (`workers.WorkerPool`), streaming and
resumable."""

import contextlib
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple, Union

from spacy.language import Language

from .files import LineWriter, errors_path_for
from .lines import InputLine, error_record, iter_input
from .options import AnnotateOptions, AnnotateSummary
from .pipeline import pipeline_info
from .records import annotate_lines, dumps
from .resume import ResumeState, begin_run
from .workers import WorkerPool

# A batch of valid input lines, and the number of the last input line read
# with it (invalid and blank lines included): how far the batch takes the run.
Batch = Tuple[List[InputLine], int]


def annotate_file(
    nlp: Language,
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    options: AnnotateOptions = AnnotateOptions(),
    *,
    n_process: int = 1,
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
    options (AnnotateOptions): The run's settings.
    n_process (int): Processes that run the pipeline; 1 runs it in this one.
    on_progress (Optional[Callable[[int], None]]): Called with the number of
        input lines done since the last call (for a progress bar).
    on_start (Optional[Callable[[ResumeState], None]]): Called once with the
        resume state before annotation starts.
    RETURNS (AnnotateSummary): What the run did.
    """
    model = f"pipeline '{nlp.path}'" if nlp.path is not None else "the pipeline"
    recorded, state, summary = begin_run(
        input_path, output_path, pipeline_info(nlp), options, model=model, on_start=on_start
    )
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        # The workers first: forked before the output files are open.
        pool = stack.enter_context(WorkerPool(nlp, recorded, options.batch_size, n_process)) if n_process > 1 else None
        out = stack.enter_context(LineWriter(output_path, flush_every=options.batch_size))
        errors = stack.enter_context(LineWriter(errors_path_for(output_path), flush_every=64))

        def batches() -> Iterator[Batch]:
            """Valid lines in batches; invalid ones to the errors file as read."""
            valid: List[InputLine] = []
            line_no = state.line_no - 1
            for item in iter_input(input_path, recorded, start_offset=state.offset, start_line=state.line_no):
                line_no = item.line_no
                if item.error is not None:
                    errors.write(dumps(error_record(item)))
                    summary.n_errors += 1
                elif item.record is None:
                    summary.n_blank += 1
                else:
                    valid.append(item)
                    if len(valid) == options.batch_size:
                        yield valid, line_no
                        valid = []
            if valid or line_no >= state.line_no:  # the last valid lines, or trailing invalid or blank ones
                yield valid, line_no

        if pool is not None:
            annotated = pool.map(batches())
        else:
            annotated = ((annotate_lines(nlp, items, recorded, options.batch_size), n) for items, n in batches())
        last_line = state.line_no - 1
        for lines, line_no in annotated:
            for line in lines:
                out.write(line)
            if on_progress is not None:
                on_progress(line_no - last_line)
            last_line = line_no
        out.flush()
        summary.n_written = out.n_written
    summary.seconds = time.perf_counter() - start
    return summary
