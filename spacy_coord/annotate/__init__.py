"""Corpus-scale batch annotation (`spacy-coord annotate`): the
engine-agnostic core, the local engine and the Ray engine."""

from .core import AnnotateError, AnnotateSummary, RunOptions, errors_path_for, run_path_for
from .local import annotate_file

__all__ = ["AnnotateError", "AnnotateSummary", "RunOptions", "annotate_file", "errors_path_for", "run_path_for"]
