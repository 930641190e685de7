"""What a run of `spacy-coord annotate` is told and what it reports: the
options every engine takes (`AnnotateOptions`), the part of them recorded
for a resume (`RunOptions`), the summary of a run and the error a user must
fix."""

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Dict, Optional

from ..tags import GROUPS_KEY, SPANS_KEY

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


@dataclass(frozen=True)
class AnnotateOptions:
    """The settings of a run that every engine shares.

    field (str): The JSONL field holding the utterance (and the output field
        of plain-text input) (--field).
    input_format (str): "auto", "jsonl" or "text" (--format).
    spans_key (str): `doc.spans` key of the conjuncts (--spans-key).
    groups_key (str): `doc.spans` key of the coordinations (--groups-key).
    splits (bool): Add "splits" from `spacy_coord.split.split_records` (--splits).
    batch_size (int): `nlp.pipe` batch size, and lines per unit of work
        sent to a worker (--batch-size).
    overwrite (bool): Start over instead of resuming (--overwrite).
    """

    field: str = "text"
    input_format: str = "auto"
    spans_key: str = SPANS_KEY
    groups_key: str = GROUPS_KEY
    splits: bool = False
    batch_size: int = 256
    overwrite: bool = False


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


@dataclass
class AnnotateSummary:
    """What one run did.

    n_done_before (int): Valid lines already in OUTPUT when the run started.
    n_written (int): Output lines written by this run.
    n_errors (int): Invalid input lines (in the errors file), over all of INPUT.
    n_blank (int): Blank input lines skipped (read by this run).
    seconds (float): Wall-clock time of this run's annotation.
    extra (Dict[str, Any]): Engine-specific facts (e.g. Ray's "workers").
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
