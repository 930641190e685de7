"""The files a run writes: OUTPUT, OUTPUT.errors.jsonl and OUTPUT.run.json,
and nothing else; INPUT may be none of them (`check_paths`). Lines are
appended whole (`LineWriter`), and a failed write is one error naming the
file (`write_error`)."""

import errno
import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

from .options import AnnotateError


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


def write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise write_error(path, err) from err


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
