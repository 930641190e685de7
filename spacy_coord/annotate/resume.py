"""The resume protocol of `spacy-coord annotate`: the specification every
engine keeps, and the start of every engine's run (`begin_run`).

Files: a run writes OUTPUT, its errors file OUTPUT.errors.jsonl and its
options file OUTPUT.run.json (`RunOptions`), and nothing else; INPUT may be
none of them (`files.check_paths`).

Resume contract: OUTPUT holds one line per *valid* input line, in input
order, and only complete lines. Whether a line is valid depends on the line
and the run's options alone (`lines.parse_line`), never on the state of the
process reading it. A resume must have the options in OUTPUT.run.json. After
a crash, `prepare_resume` truncates a partial last line, counts the complete
lines `k`, and re-reads INPUT until its `k`-th valid line, which must match
the last output line (otherwise OUTPUT is not the output of INPUT and
nothing is overwritten). The errors file is rewritten from INPUT up to that
point, so that it never holds duplicates. Processing then continues right
after that line.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

from .files import (
    LineWriter,
    check_paths,
    count_lines,
    errors_path_for,
    run_path_for,
    truncate_partial_line,
    write_bytes,
    write_error,
)
from .lines import InputLine, error_record, iter_input, resolve_format
from .options import OPTION_FLAGS, AnnotateError, AnnotateOptions, AnnotateSummary, RunOptions
from .pipeline import check_span_keys
from .records import ADDED_FIELDS, dumps


@dataclass
class ResumeState:
    """Where a (re)started run begins.

    n_done (int): Valid lines already in OUTPUT.
    n_errors (int): Error lines written for the part of INPUT already done.
    offset (int): Byte offset in INPUT to continue at.
    line_no (int): Line number at `offset`.
    """

    n_done: int = 0
    n_errors: int = 0
    offset: int = 0
    line_no: int = 1


def begin_run(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    pipeline: Dict[str, Any],
    options: AnnotateOptions,
    *,
    model: str,
    on_start: Optional[Callable[[ResumeState], None]] = None,
) -> Tuple[RunOptions, ResumeState, AnnotateSummary]:
    """Check the paths and the pipeline, then find where to resume; the start
    of every engine's run. Nothing is written before every check has passed.

    input_path (Union[str, Path]): The input file.
    output_path (Union[str, Path]): The output file (may not exist yet).
    pipeline (Dict[str, Any]): The pipeline's `pipeline.pipeline_info`.
    options (AnnotateOptions): The run's settings.
    model (str): The pipeline's name or path, for messages.
    on_start (Optional[Callable[[ResumeState], None]]): Called once with the
        resume state before annotation starts.
    RETURNS (Tuple[RunOptions, ResumeState, AnnotateSummary]): The options
        recorded for the run, the resume state and the summary to fill in.
    """
    recorded = RunOptions(
        field=options.field,
        input_format=resolve_format(input_path, options.input_format),
        spans_key=options.spans_key,
        groups_key=options.groups_key,
        splits=options.splits,
        max_length=pipeline["max_length"],
    )
    check_paths(input_path, output_path)
    check_span_keys(pipeline, options.spans_key, options.groups_key, model=model)
    state = prepare_resume(input_path, output_path, recorded, overwrite=options.overwrite)
    if on_start is not None:
        on_start(state)
    return recorded, state, AnnotateSummary(n_done_before=state.n_done, n_errors=state.n_errors)


def prepare_resume(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    options: RunOptions = RunOptions(),
    *,
    overwrite: bool = False,
) -> ResumeState:
    """Make OUTPUT and its errors file consistent and find where to continue.

    A new run (no OUTPUT, an empty one, or `overwrite`) empties OUTPUT and its
    errors file and records its options in OUTPUT.run.json. A resume must
    have the recorded options; it truncates a partial last output line,
    counts the complete ones (k), reads INPUT up to its k-th valid line
    (checking it against the last output line) and rewrites the errors file
    for that part of INPUT.

    input_path (Union[str, Path]): The input file.
    output_path (Union[str, Path]): The output file (may not exist yet).
    options (RunOptions): The run's options.
    overwrite (bool): Start from scratch instead of resuming.
    RETURNS (ResumeState): Where to continue.
    """
    output_path = Path(output_path)
    errors_path = errors_path_for(output_path)
    if overwrite or not output_path.exists() or output_path.stat().st_size == 0:
        try:
            output_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise write_error(output_path.parent, err) from err
        write_bytes(output_path, b"")
        write_bytes(errors_path, b"")
        write_bytes(run_path_for(output_path), (json.dumps(asdict(options), indent=2) + "\n").encode("utf8"))
        return ResumeState()
    check_run_options(output_path, options)
    try:
        truncate_partial_line(output_path)
    except OSError as err:
        raise write_error(output_path, err) from err
    n_done, last = count_lines(output_path)
    state = ResumeState(n_done=n_done)
    if n_done == 0:
        write_bytes(errors_path, b"")
        return state
    # The errors of the part already done are written anew, to a new file of
    # a unique name that replaces the old one only once OUTPUT is known to
    # belong to INPUT.
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=errors_path.name + ".", suffix=".tmp", dir=errors_path.parent)
        os.close(fd)
    except OSError as err:
        raise write_error(errors_path.parent, err) from err
    tmp_path = Path(tmp_name)
    n_valid = 0
    try:
        with LineWriter(tmp_path, flush_every=256) as errors:
            for item in iter_input(input_path, options):
                if item.error is not None:
                    errors.write(dumps(error_record(item)))
                    state.n_errors += 1
                elif item.record is not None:
                    n_valid += 1
                    if n_valid == n_done:
                        _check_same_record(item, last, output_path)
                        state.offset, state.line_no = item.end_offset, item.line_no + 1
                        break
        if n_valid < n_done:
            raise AnnotateError(
                f"{output_path} holds {n_done} lines but the input has only {n_valid} valid lines: "
                "it is not the output of this input (or of these options). "
                "Use --overwrite to start over, or another output path."
            )
        try:
            os.replace(tmp_path, errors_path)
        except OSError as err:
            raise write_error(errors_path, err) from err
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return state


def check_run_options(output_path: Union[str, Path], options: RunOptions) -> None:
    """Raise an AnnotateError unless OUTPUT.run.json holds `options`: a resume
    with other options would mix two kinds of lines in one OUTPUT.

    output_path (Union[str, Path]): The output file to resume.
    options (RunOptions): The options of this run.
    """
    run_path = run_path_for(output_path)
    try:
        recorded = json.loads(run_path.read_text(encoding="utf8"))
    except FileNotFoundError:
        raise AnnotateError(
            f"Cannot resume {output_path}: {run_path} is missing, so the options it was written with are unknown. "
            "Use --overwrite to start over, or another output path."
        ) from None
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict):
        raise AnnotateError(
            f"Cannot resume {output_path}: {run_path} is not readable. Use --overwrite to start over, or another output path."
        )
    for name, value in asdict(options).items():
        if recorded.get(name) != value:
            raise AnnotateError(
                f"Cannot resume {output_path}: it was written with {_describe_option(name, recorded.get(name))}, "
                f"this run has {_describe_option(name, value)}. Rerun with the options of that run to resume, "
                "or use --overwrite to start over."
            )


def _describe_option(name: str, value: Any) -> str:
    if name == "splits":
        return "--splits" if value else "no --splits"
    if name == "max_length":
        return f"nlp.max_length={value}"
    return f"{OPTION_FLAGS[name]} {value!r}"


def _check_same_record(item: InputLine, last: Optional[bytes], output_path: Path) -> None:
    try:
        written = json.loads(last.decode("utf8")) if last is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        written = None
    if not isinstance(written, dict):
        raise AnnotateError(f"The last line of {output_path} is not a JSON object; use --overwrite to start over.")
    expected = {k: v for k, v in item.record.items() if k not in ADDED_FIELDS}
    got = {k: v for k, v in written.items() if k not in ADDED_FIELDS}
    if expected != got:
        raise AnnotateError(
            f"Cannot resume: line {item.line_no} of the input does not match the last line of {output_path}, "
            "so it is not the output of this input (or of these options, e.g. --field). "
            "Use --overwrite to start over, or another output path."
        )
