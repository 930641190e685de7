"""Engine-agnostic parts of corpus-scale batch annotation.

Reading and validating input lines, turning an annotated `Doc` into a
JSON-ready record, and a resumable JSONL writer. The engines build on it:
`local.annotate_file` (`nlp.pipe`) and `ray_engine.annotate_file_ray`.

Files: a run writes OUTPUT, its errors file OUTPUT.errors.jsonl and its
options file OUTPUT.run.json (`RunOptions`), and nothing else; INPUT may be
none of them (`check_paths`).

Resume contract: OUTPUT holds one line per *valid* input line, in input
order, and only complete lines. Whether a line is valid depends on the line
and the run's options alone (`parse_line`), never on the state of the
process reading it. A resume must have the options in OUTPUT.run.json. After
a crash, `prepare_resume` truncates a partial last line, counts the complete
lines `k`, and re-reads INPUT until its `k`-th valid line, which must match
the last output line (otherwise OUTPUT is not the output of INPUT and
nothing is overwritten). The errors file is rewritten from INPUT up to that
point, so that it never holds duplicates. Processing then continues right
after that line.
"""

import errno
import functools
import json
import math
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

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
# Deepest JSON nesting accepted. A fixed limit, far below Python's recursion
# limit, so that a line is valid or not whatever the call depth of the reader.
MAX_JSON_DEPTH = 128
# The command-line option of each `RunOptions` setting, for messages.
OPTION_FLAGS = {
    "field": "--field",
    "input_format": "--format",
    "spans_key": "--spans-key",
    "groups_key": "--groups-key",
    "splits": "--splits",
    "max_length": "nlp.max_length",
}


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


def parse_line(
    raw: bytes,
    line_no: int,
    end_offset: int,
    *,
    field: str = "text",
    input_format: str = "jsonl",
    max_length: Optional[int] = None,
) -> InputLine:
    """Parse and validate one input line.

    A valid line is one the pipeline can annotate and whose record can be
    written back as JSON; anything else is an input error, with its reason.

    raw (bytes): The line, with or without its line break.
    line_no (int): 1-based line number.
    end_offset (int): Byte offset right after the line.
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text".
    max_length (Optional[int]): Longest text in characters, the pipeline's
        `nlp.max_length` (longer ones raise spaCy's error E088); None: no limit.
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
        record, error = {field: line}, None
    else:
        record, error = _read_record(line, field)
    if error is None and max_length is not None and len(record[field]) > max_length:
        error = (
            f"text of {len(record[field])} characters is longer than the pipeline's nlp.max_length "
            f"({max_length}, spaCy error E088); split it into shorter texts"
        )
    if error is not None:
        return InputLine(line_no, end_offset, error=error, raw=line)
    return InputLine(line_no, end_offset, record=record, text=record[field], raw=line)


def _read_record(line: str, field: str) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """The record of a JSONL line and None, or None and why the line is invalid."""
    try:
        record = json.loads(line, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err.msg} (column {err.colno})"
    except _NotFinite as err:
        return None, str(err)
    except RecursionError:
        return None, f"nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError:  # the only other one: Python's limit on the digits of an integer
        return None, f"holds an integer of more than {sys.get_int_max_str_digits()} digits (Python's limit)"
    # Counting brackets first keeps the depth walk off ordinary lines.
    if line.count("[") + line.count("{") > MAX_JSON_DEPTH and _json_depth(record) > MAX_JSON_DEPTH:
        return None, f"nested deeper than {MAX_JSON_DEPTH} levels"
    if not isinstance(record, dict):
        return None, f"not a JSON object but {_json_type(record)}"
    if field not in record:
        return None, f"no field '{field}'"
    if not isinstance(record[field], str):
        return None, f"field '{field}' holds {_json_type(record[field])}, not a string"
    if "\\ud" in line.lower():  # an escaped surrogate: check that the record can be written as UTF-8
        try:
            json.dumps(record, ensure_ascii=False).encode("utf8")
        except UnicodeEncodeError:
            return None, "holds an unpaired surrogate escape (\\ud800-\\udfff)"
    return record, None


class _NotFinite(ValueError):
    """A number that JSON cannot hold, so the record could not be written back."""


def _reject_constant(name: str) -> float:
    raise _NotFinite(f"holds {name}, which is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotFinite(f"holds the number {text[:40]}, too large for a double (it would be written as Infinity)")
    return value


def _json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, walked without recursion."""
    depth, stack = 0, [(value, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            depth = max(depth, level)
            stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return depth


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
    max_length: Optional[int] = None,
) -> Iterator[InputLine]:
    """Stream INPUT as parsed lines, one at a time (flat memory).

    path (Union[str, Path]): The input file.
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text" (see `resolve_format`).
    start_offset (int): Byte offset to start reading at (a line start).
    start_line (int): Line number of the line at `start_offset`.
    end_offset (Optional[int]): Stop before this byte offset (a line start).
    max_length (Optional[int]): Longest valid text (see `parse_line`).
    YIELDS (InputLine): Every line, valid, invalid or blank.
    """
    offset, line_no = start_offset, start_line
    with open(path, "rb") as file_:
        file_.seek(start_offset)
        for raw in file_:
            offset += len(raw)
            yield parse_line(raw, line_no, offset, field=field, input_format=input_format, max_length=max_length)
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


@dataclass(frozen=True)
class RunOptions:
    """The settings that decide what a run writes. They are kept in
    OUTPUT.run.json, and a resume must have the same ones.

    field (str): The JSONL field holding the utterance (--field).
    input_format (str): "jsonl" or "text", as resolved (--format).
    spans_key (str): `doc.spans` key of the conjuncts (--spans-key).
    groups_key (str): `doc.spans` key of the coordinations (--groups-key).
    splits (bool): Whether records carry "splits" (--splits).
    max_length (Optional[int]): The pipeline's `nlp.max_length`: longer
        texts are input errors. None: no limit.
    """

    field: str = "text"
    input_format: str = "jsonl"
    spans_key: str = SPANS_KEY
    groups_key: str = GROUPS_KEY
    splits: bool = False
    max_length: Optional[int] = None


def begin_run(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    pipeline: Dict[str, Any],
    *,
    model: str,
    field: str,
    input_format: str,
    spans_key: str,
    groups_key: str,
    splits: bool,
    overwrite: bool,
    on_start: Optional[Callable[["ResumeState"], None]],
) -> Tuple[RunOptions, "ResumeState", "AnnotateSummary"]:
    """Check the paths and the pipeline, then find where to resume; the start
    of every engine's run. Nothing is written before every check has passed.

    pipeline (Dict[str, Any]): The pipeline's `pipeline_info`.
    model (str): The pipeline's name or path, for messages.
    RETURNS (Tuple[RunOptions, ResumeState, AnnotateSummary]): The run's
        options, the resume state and the summary to fill in.
    """
    options = RunOptions(
        field=field,
        input_format=resolve_format(input_path, input_format),
        spans_key=spans_key,
        groups_key=groups_key,
        splits=splits,
        max_length=pipeline["max_length"],
    )
    check_paths(input_path, output_path)
    check_span_keys(pipeline, spans_key, groups_key, model=model)
    state = prepare_resume(input_path, output_path, options, overwrite=overwrite)
    if on_start is not None:
        on_start(state)
    return options, state, AnnotateSummary(n_done_before=state.n_done, n_errors=state.n_errors)


def pipeline_info(nlp: Language) -> Dict[str, Any]:
    """What a run needs to know of its pipeline: the `doc.spans` keys that its
    components declare in their cfg (as coord_chunker does) and its limit on
    text length.

    nlp (Language): The pipeline.
    RETURNS (Dict[str, Any]): {"max_length": int, "spans_key": {component:
        key}, "groups_key": {component: key}}.
    """
    info: Dict[str, Any] = {"max_length": nlp.max_length, "spans_key": {}, "groups_key": {}}
    for name, pipe in nlp.pipeline:
        cfg = getattr(pipe, "cfg", None)
        for setting in ("spans_key", "groups_key"):
            if isinstance(cfg, dict) and isinstance(cfg.get(setting), str):
                info[setting][name] = cfg[setting]
    return info


def check_span_keys(pipeline: Dict[str, Any], spans_key: str, groups_key: str, *, model: str = "the pipeline") -> None:
    """Raise an AnnotateError unless a component of the pipeline sets both keys
    (a typo would otherwise give empty annotations on every line).

    pipeline (Dict[str, Any]): The pipeline's `pipeline_info`.
    spans_key (str): `doc.spans` key of the conjuncts to read.
    groups_key (str): `doc.spans` key of the coordinations to read.
    model (str): The pipeline's name or path, for the message.
    """
    for setting, key, what in (("spans_key", spans_key, "conjuncts"), ("groups_key", groups_key, "coordinations")):
        declared = pipeline[setting]
        if key in declared.values():
            continue
        flag = OPTION_FLAGS[setting]
        if not declared:
            raise AnnotateError(
                f"{flag} '{key}': no component of {model} declares the {what} it sets (cfg['{setting}'], "
                "as coord_chunker does); is coord_chunker in the pipeline?"
            )
        found = ", ".join(f"'{k}' (by {name})" for name, k in declared.items())
        raise AnnotateError(f"{flag} '{key}': no component of {model} sets it; the {what} are set under {found}.")


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
    except Exception as err:  # a damaged folder fails in many ways: msgpack, JSON, config, torch
        reason = " ".join(str(err).split())[:300]
        if "[E002]" in reason:
            hint = (
                "if it uses a custom component, install the package that provides it (pip install spacy-coord) "
                "or pass --code with the file that registers it"
            )
        else:
            hint = "its files may be damaged or incomplete: save, copy or install the pipeline again"
        raise AnnotateError(f"Can't load pipeline '{model}' ({type(err).__name__}: {reason}); {hint}.") from err


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


def run_path_for(output_path: Union[str, Path]) -> Path:
    """The options file of an output file: OUTPUT.run.json."""
    output_path = Path(output_path)
    return output_path.with_name(output_path.name + ".run.json")


def check_paths(input_path: Union[str, Path], output_path: Union[str, Path]) -> None:
    """Fail early, with an actionable message, on unusable paths; above all
    on an INPUT that the run would overwrite."""
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.exists():
        raise AnnotateError(f"Input file not found: {input_path}")
    if input_path.is_dir():
        raise AnnotateError(f"Input is a directory, not a file: {input_path}")
    if not os.access(input_path, os.R_OK):
        raise AnnotateError(f"Input file is not readable (check its permissions): {input_path}")
    if output_path.is_dir():
        raise AnnotateError(f"Output is a directory; give a file path such as {output_path / 'out.jsonl'}")
    written = (
        (output_path, "OUTPUT"),
        (errors_path_for(output_path), "OUTPUT's errors file"),
        (run_path_for(output_path), "OUTPUT's options file"),
    )
    for path, what in written:
        # samefile compares devices and inodes: also a symlink or a hard link to INPUT
        if path.exists() and os.path.samefile(input_path, path):
            raise AnnotateError(
                f"INPUT {input_path} is the same file as {path} ({what}), which this run would overwrite; "
                "choose another output path."
            )


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
        _write_bytes(output_path, b"")
        _write_bytes(errors_path, b"")
        _write_bytes(run_path_for(output_path), (json.dumps(asdict(options), indent=2) + "\n").encode("utf8"))
        return ResumeState()
    check_run_options(output_path, options)
    try:
        truncate_partial_line(output_path)
    except OSError as err:
        raise write_error(output_path, err) from err
    n_done, last = count_lines(output_path)
    state = ResumeState(n_done=n_done)
    if n_done == 0:
        _write_bytes(errors_path, b"")
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
            for item in iter_input(
                input_path, field=options.field, input_format=options.input_format, max_length=options.max_length
            ):
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


def write_error(path: Union[str, Path], err: OSError) -> AnnotateError:
    """The one-line error of a failed write, naming the path and what to do.

    path (Union[str, Path]): The file or folder that could not be written.
    err (OSError): The error.
    RETURNS (AnnotateError): The error to raise.
    """
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some space, then rerun the same command to resume"
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "check its permissions or choose another output path"
    elif err.errno in (errno.EEXIST, errno.ENOTDIR):
        hint = "a part of that path is a file, not a folder: choose another output path"
    else:
        hint = "fix it or choose another output path"
    return AnnotateError(f"Can't write {path}: {err.strerror or err}; {hint}.")


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise write_error(path, err) from err


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
        try:
            self._file = self.path.open("a", encoding="utf8", newline="")
        except OSError as err:
            raise write_error(self.path, err) from err
        self._lines: List[str] = []
        self._failed = False
        self.n_written = 0

    def write(self, line: str) -> None:
        """Add one line (ending in a line break)."""
        self._lines.append(line)
        if len(self._lines) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines in one call and flush them to the OS."""
        if self._failed:
            return
        try:
            if self._lines:
                self._file.write("".join(self._lines))
                self.n_written += len(self._lines)
                self._lines = []
            self._file.flush()
        except OSError as err:
            # Never offer these lines again: the file then holds a prefix of
            # the output, whose partial last line a resume cuts off.
            self._failed, self._lines = True, []
            raise write_error(self.path, err) from err

    def close(self) -> None:
        """Flush the pending lines and close the file."""
        try:
            self.flush()
        finally:
            try:
                self._file.close()
            except OSError as err:
                if not self._failed:
                    raise write_error(self.path, err) from err

    def __enter__(self) -> "LineWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
