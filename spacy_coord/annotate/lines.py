"""Reading INPUT: one line at a time, parsed and validated.

Whether a line is valid depends on the line and the run's options alone
(`parse_line`), never on the state of the process reading it: the resume
contract (`resume.py`) rests on it.
"""

import codecs
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple, Union

from .options import AnnotateError, RunOptions

INPUT_FORMATS = ("auto", "jsonl", "text")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
MAX_ERROR_INPUT_CHARS = 200
# Deepest JSON nesting accepted. A fixed limit, far below Python's recursion
# limit, so that a line is valid or not whatever the call depth of the reader.
MAX_JSON_DEPTH = 128


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
    line_no (int): 1-based line number. Line 1 may start with a UTF-8
        byte-order mark (as editors on Windows write), which is dropped, as
        the codec utf-8-sig does; anywhere else it is part of the line.
    end_offset (int): Byte offset right after the line.
    field (str): The JSONL field holding the utterance.
    input_format (str): "jsonl" or "text".
    max_length (Optional[int]): Longest text in characters, the pipeline's
        `nlp.max_length` (longer ones raise spaCy's error E088); None: no limit.
    RETURNS (InputLine): Valid (record and text set), invalid (error set) or
        blank (neither set: skipped, not an error).
    """
    raw = raw.rstrip(b"\r\n")
    if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
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
    path: Union[str, Path], options: RunOptions, *, start_offset: int = 0, start_line: int = 1
) -> Iterator[InputLine]:
    """Stream INPUT as parsed lines, one at a time (flat memory).

    path (Union[str, Path]): The input file.
    options (RunOptions): The run's options (field, format, longest text).
    start_offset (int): Byte offset to start reading at (a line start).
    start_line (int): Line number of the line at `start_offset`.
    YIELDS (InputLine): Every line, valid, invalid or blank.
    """
    offset, line_no = start_offset, start_line
    with open(path, "rb") as file_:
        file_.seek(start_offset)
        for raw in file_:
            offset += len(raw)
            yield parse_line(
                raw,
                line_no,
                offset,
                field=options.field,
                input_format=options.input_format,
                max_length=options.max_length,
            )
            line_no += 1


def error_record(item: InputLine) -> Dict[str, Any]:
    """The errors-file entry of an invalid line: line number, reason, input."""
    return {"line": item.line_no, "error": item.error, "input": item.raw[:MAX_ERROR_INPUT_CHARS]}


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
