"""Corpus-scale batch annotation (`spacy-coord annotate`), by concern:
`options` (what a run is told), `lines` (reading INPUT), `records` (writing
OUTPUT's lines), `pipeline` (loading it), `files` (the files a run writes),
`resume` (the resume contract), and the engines: `local` (with `workers`)
and `ray_engine`."""

from .files import errors_path_for, run_path_for
from .local import annotate_file
from .options import AnnotateError, AnnotateOptions, AnnotateSummary, RunOptions

__all__ = [
    "AnnotateError",
    "AnnotateOptions",
    "AnnotateSummary",
    "RunOptions",
    "annotate_file",
    "errors_path_for",
    "run_path_for",
]
