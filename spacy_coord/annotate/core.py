"""Engine-agnostic parts of corpus-scale batch annotation.

Reading and validating input lines, turning an annotated `Doc` into a
JSON-ready record, and a resumable JSONL writer. The engines build on it:
`local.annotate_file` (`nlp.pipe`) and `ray_engine.annotate_file_ray`.

Resume contract: OUTPUT holds one line per *valid* input line, in input
order, and only complete lines. After a crash, `prepare_resume` truncates a
partial last line, counts the complete lines `k`, and re-reads INPUT until
its `k`-th valid line, which must match the last output line (otherwise
OUTPUT is not the output of INPUT and nothing is overwritten). The errors
file is rewritten from INPUT up to that point, so that it never holds
duplicates. Processing then continues right after that line.
"""
import functools
import json
import os
import time
from collections import deque
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..split import split_records
from ..tags import GROUPS_KEY, SPANS_KEY

INPUT_FORMATS = ("auto", "jsonl", "text")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
COORD_FIELD = "coord"
GROUPS_FIELD = "groups"
SPLITS_FIELD = "splits"
# Fields the annotator adds: left out when comparing an output line to its input.
ADDED_FIELDS = (COORD_FIELD, GROUPS_FIELD, SPLITS_FIELD)
MAX_ERROR_INPUT_CHARS = 200


class AnnotateError(ValueError):
    """A problem with the job's input or output that the user must fix."""


@dataclass
class InputLine:
    """One line of INPUT after parsing and validation.

    line_no (int): 1-based line number in INPUT.
    end_offset (int): Byte offset right after this line (where to resume).
    record (Optional[dict]): The record (input fields) if the line is valid.
    text (Optional[str]): The utterance if the line is valid.
    error (Optional[str]): Why the line is invalid; None if it is valid.
    raw (str): The line as read (for error reports).
    """

    line_no: int
    end_offset: int
    record: Optional[Dict[str, Any]] = None
    text: Optional[str] = None
    error: Optional[str] = None
    raw: str = ""

    @property
    def is_blank(self) -> bool:
        return self.record is None and self.error is None


@dataclass
class AnnotateSummary:
    """What one run did.

    n_done_before (int): Valid lines already in OUTPUT when the run started.
    n_written (int): Output lines written by this run.
    n_errors (int): Invalid input lines (in the errors file), over all of INPUT.
    n_blank (int): Blank input lines skipped (read by this run).
    seconds (float): Wall-clock time of this run's annotation.
    """

    n_done_before: int = 0
    n_written: int = 0
    n_errors: int = 0
    n_blank: int = 0
    seconds: float = 0.0
    extra: Dict[str, Any] = dc_field(default_factory=dict)

    @property
    def n_output(self) -> int:
        """Lines in OUTPUT at the end of the run."""
        return self.n_done_before + self.n_written


def resolve_format(path: Union[str, Path], input_format: str = "auto") -> str:
    """Decide whether INPUT is JSONL or plain text.

    path (Union[str, Path]): The input file.
    input_format (str): "jsonl", "text", or "auto" (JSONL if the file name
        ends in .jsonl, .ndjson or .json, plain text otherwise).
    RETURNS (str): "jsonl" or "text".
    """
    if input_format not in INPUT_FORMATS:
        raise AnnotateError(f"Unknown input format '{input_format}': use one of {', '.join(INPUT_FORMATS)}.")
    if input_format != "auto":
        return input_format
    return "jsonl" if Path(path).suffix.lower() in JSONL_SUFFIXES else "text"


def parse_line(raw: bytes, line_no: int, end_offset: int, *, field: str = "text", input_format: str = "jsonl") -> InputLine:
    """Parse and validate one input line.

    raw (bytes): The line, with or without its line break.
    line_no (int): 1-based line number.
    end_offset (int): Byte offset right after the line.
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text".
    RETURNS (InputLine): Valid (record and text set), invalid (error set) or
        blank (neither set: skipped, not an error).
    """
    raw = raw.rstrip(b"\r\n")
    try:
        line = raw.decode("utf8")
    except UnicodeDecodeError as err:
        line = raw.decode("utf8", errors="replace")
        return InputLine(line_no, end_offset, error=f"not valid UTF-8 ({err.reason} at byte {err.start})", raw=line)
    if not line.strip():
        return InputLine(line_no, end_offset, raw=line)
    if input_format == "text":
        return InputLine(line_no, end_offset, record={field: line}, text=line, raw=line)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return InputLine(line_no, end_offset, error=f"not valid JSON: {err.msg} (column {err.colno})", raw=line)
    if not isinstance(record, dict):
        return InputLine(line_no, end_offset, error=f"not a JSON object but {_json_type(record)}", raw=line)
    if field not in record:
        return InputLine(line_no, end_offset, error=f"no field '{field}'", raw=line)
    text = record[field]
    if not isinstance(text, str):
        return InputLine(line_no, end_offset, error=f"field '{field}' holds {_json_type(text)}, not a string", raw=line)
    if "\\ud" in line.lower():  # an escaped surrogate: check that the record can be written as UTF-8
        try:
            json.dumps(record, ensure_ascii=False).encode("utf8")
        except UnicodeEncodeError:
            return InputLine(line_no, end_offset, error="holds an unpaired surrogate escape (\\ud800-\\udfff)", raw=line)
    return InputLine(line_no, end_offset, record=record, text=text, raw=line)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def iter_input(
    path: Union[str, Path],
    *,
    field: str = "text",
    input_format: str = "jsonl",
    start_offset: int = 0,
    start_line: int = 1,
    end_offset: Optional[int] = None,
) -> Iterator[InputLine]:
    """Stream INPUT as parsed lines, one at a time (flat memory).

    path (Union[str, Path]): The input file.
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text" (see `resolve_format`).
    start_offset (int): Byte offset to start reading at (a line start).
    start_line (int): Line number of the line at `start_offset`.
    end_offset (Optional[int]): Stop before this byte offset (a line start).
    YIELDS (InputLine): Every line, valid, invalid or blank.
    """
    offset, line_no = start_offset, start_line
    with open(path, "rb") as file_:
        file_.seek(start_offset)
        for raw in file_:
            offset += len(raw)
            yield parse_line(raw, line_no, offset, field=field, input_format=input_format)
            line_no += 1
            if end_offset is not None and offset >= end_offset:
                break


def error_record(item: InputLine) -> Dict[str, Any]:
    """The errors-file entry of an invalid line: line number, reason, input."""
    return {"line": item.line_no, "error": item.error, "input": item.raw[:MAX_ERROR_INPUT_CHARS]}


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


def begin_run(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    field: str,
    input_format: str,
    overwrite: bool,
    on_start: Optional[Callable[["ResumeState"], None]],
) -> Tuple[str, "ResumeState", "AnnotateSummary"]:
    """Check the paths and find where to resume; the start of every engine's run.

    RETURNS (Tuple[str, ResumeState, AnnotateSummary]): The input format
        ("jsonl" or "text"), the resume state and the summary to fill in.
    """
    fmt = resolve_format(input_path, input_format)
    check_paths(input_path, output_path)
    state = prepare_resume(input_path, output_path, field=field, input_format=fmt, overwrite=overwrite)
    if on_start is not None:
        on_start(state)
    return fmt, state, AnnotateSummary(n_done_before=state.n_done, n_errors=state.n_errors)


def find_pipeline(model: str) -> None:
    """Raise an AnnotateError unless `model` is a pipeline folder or an installed package.

    model (str): A path or a package name.
    """
    from spacy.util import is_package

    if not is_package(model) and not Path(model).exists():
        raise AnnotateError(
            f"Can't find pipeline '{model}': give the path of a trained pipeline (e.g. "
            "training/model-last) or the name of an installed pipeline package (pip install it first)."
        )


def load_pipeline(model: str, code_path: Optional[Union[str, Path]] = None) -> Language:
    """Load the pipeline to annotate with.

    model (str): A pipeline folder or an installed package name.
    code_path (Optional[Union[str, Path]]): Python file to import first
        (custom components that are not installed packages).
    RETURNS (Language): The loaded pipeline.
    """
    import spacy
    from spacy.util import import_file

    if code_path is not None:
        if not Path(code_path).exists():
            raise AnnotateError(f"Code file not found: {code_path}")
        import_file("spacy_coord_code", str(code_path))
    find_pipeline(model)
    try:
        return spacy.load(model)
    except (OSError, ValueError, KeyError) as err:
        raise AnnotateError(
            f"Can't load pipeline '{model}': {err}\nIf it uses a custom component, install the "
            "package that provides it (pip install spacy-coord) or pass --code with the file that registers it."
        ) from err


def make_split_fn(spans_key: str, groups_key: str) -> Callable[[Doc], List[Dict[str, Any]]]:
    """`split_records` bound to the component's span keys (for --splits)."""
    return functools.partial(split_records, spans_key=spans_key, groups_key=groups_key)


# ---------------------------------------------------------------------------
# Resume


def truncate_partial_line(path: Union[str, Path]) -> int:
    """Cut a partial last line (no line break) off a file, in place.

    path (Union[str, Path]): The file; nothing happens if it does not exist.
    RETURNS (int): The number of bytes removed.
    """
    path = Path(path)
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("r+b") as file_:
        pos, block = size, 1 << 16
        while pos > 0:
            start = max(0, pos - block)
            file_.seek(start)
            chunk = file_.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        else:
            keep = 0
        if keep < size:
            file_.truncate(keep)
        return size - keep


def count_lines(path: Union[str, Path]) -> Tuple[int, Optional[bytes]]:
    """Count the complete lines of a file and return the last one.

    RETURNS (Tuple[int, Optional[bytes]]): (number of lines, last line or None).
    """
    n, last = 0, None
    with open(path, "rb") as file_:
        for line in file_:
            n += 1
            last = line
    return n, last


def count_newlines(path: Union[str, Path], block: int = 1 << 22) -> int:
    """Number of lines in a file (fast; for the progress bar's total)."""
    n, ends_with_newline = 0, True
    with open(path, "rb") as file_:
        while True:
            chunk = file_.read(block)
            if not chunk:
                break
            n += chunk.count(b"\n")
            ends_with_newline = chunk.endswith(b"\n")
    return n + (0 if ends_with_newline else 1)


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


def errors_path_for(output_path: Union[str, Path]) -> Path:
    """The errors file of an output file: OUTPUT.errors.jsonl."""
    output_path = Path(output_path)
    return output_path.with_name(output_path.name + ".errors.jsonl")


def check_paths(input_path: Union[str, Path], output_path: Union[str, Path]) -> None:
    """Fail early, with an actionable message, on unusable paths."""
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.exists():
        raise AnnotateError(f"Input file not found: {input_path}")
    if input_path.is_dir():
        raise AnnotateError(f"Input is a directory, not a file: {input_path}")
    if not os.access(input_path, os.R_OK):
        raise AnnotateError(f"Input file is not readable (check its permissions): {input_path}")
    if output_path.is_dir():
        raise AnnotateError(f"Output is a directory; give a file path such as {output_path / 'out.jsonl'}")
    if output_path.exists() and input_path.resolve() == output_path.resolve():
        raise AnnotateError("INPUT and OUTPUT are the same file; choose another output path.")


def prepare_resume(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    *,
    field: str = "text",
    input_format: str = "jsonl",
    overwrite: bool = False,
) -> ResumeState:
    """Make OUTPUT and its errors file consistent and find where to continue.

    Truncates a partial last output line, counts the complete ones (k), reads
    INPUT up to its k-th valid line (checking it against the last output
    line) and rewrites the errors file for that part of INPUT.

    input_path (Union[str, Path]): The input file.
    output_path (Union[str, Path]): The output file (may not exist yet).
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text".
    overwrite (bool): Start from scratch instead of resuming.
    RETURNS (ResumeState): Where to continue.
    """
    output_path = Path(output_path)
    errors_path = errors_path_for(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    if overwrite or not output_path.exists():
        output_path.write_bytes(b"")
        errors_path.write_bytes(b"")
        return ResumeState()
    truncate_partial_line(output_path)
    n_done, last = count_lines(output_path)
    state = ResumeState(n_done=n_done)
    if n_done == 0:
        errors_path.write_bytes(b"")
        return state
    # The errors of the part already done are written anew (to a temp file,
    # replacing the old one only once OUTPUT is known to belong to INPUT).
    tmp_path = errors_path.with_name(errors_path.name + ".tmp")
    n_valid = 0
    try:
        with tmp_path.open("w", encoding="utf8", newline="") as errors:
            for item in iter_input(input_path, field=field, input_format=input_format):
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
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    os.replace(tmp_path, errors_path)
    return state


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


class LineWriter:
    """Append complete lines to a file, in batches (a kill leaves at most one
    partial last line, which `truncate_partial_line` removes on restart).

    path (Union[str, Path]): The file, opened for appending.
    flush_every (int): Write to the OS every this many lines.
    """

    def __init__(self, path: Union[str, Path], flush_every: int = 256):
        self.path = Path(path)
        self.flush_every = max(1, flush_every)
        self._file = self.path.open("a", encoding="utf8", newline="")
        self._lines: List[str] = []
        self.n_written = 0

    def write(self, line: str) -> None:
        """Add one line (ending in a line break)."""
        self._lines.append(line)
        if len(self._lines) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines in one call and flush them to the OS."""
        if self._lines:
            self._file.write("".join(self._lines))
            self.n_written += len(self._lines)
            self._lines = []
        self._file.flush()

    def close(self) -> None:
        self.flush()
        self._file.close()

    def __enter__(self) -> "LineWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
