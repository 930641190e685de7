"""Command line: `spacy-coord annotate`, `spacy-coord propose` (also as
`python -m spacy_coord ...`)."""

import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from wasabi import msg

from .tags import GROUPS_KEY, SPANS_KEY

app = typer.Typer(
    name="spacy-coord",
    help="spacy-coord: find coordinations and their conjuncts in spoken-language utterances.",
    add_completion=False,
    no_args_is_help=True,
)


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class InputFormat(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    text = "text"


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so that its clean-up runs (the
    output's last lines flushed, worker processes and a Ray instance that
    the run started ended) as after Ctrl-C."""

    exit_code = 128 + signal.SIGTERM


def _stop_on_sigterm(signum, frame) -> None:
    raise Stopped()


@app.callback()
def main() -> None:
    """spacy-coord: find coordinations and their conjuncts in spoken-language utterances."""


@app.command("annotate")
def annotate_cli(
    input_path: Path = typer.Argument(
        ..., help="JSONL (one object a line) or plain text (one utterance a line)", metavar="INPUT"
    ),
    output_path: Path = typer.Argument(
        ..., help="JSONL output, one line per valid input line; bad lines go to OUTPUT.errors.jsonl", metavar="OUTPUT"
    ),
    model: str = typer.Option(..., "--model", "-m", help="Pipeline package name or path"),
    field: str = typer.Option(
        "text", "--field", "-f", help="JSONL field holding the utterance (also the output field of plain-text input)"
    ),
    input_format: InputFormat = typer.Option(
        InputFormat.auto,
        "--format",
        help="Input format; auto: JSONL if INPUT ends in .jsonl/.ndjson/.json, else plain text",
    ),
    batch_size: int = typer.Option(
        256, "--batch-size", "-b", min=1, help="Batch size of nlp.pipe (and of Ray batches)"
    ),
    n_process: Optional[int] = typer.Option(
        None,
        "--n-process",
        "-n",
        min=1,
        help="Processes that run the pipeline (local engine); 1: this one; default: one per usable CPU",
    ),
    engine: Engine = typer.Option(
        Engine.local, "--engine", help="local (processes on this machine) or ray (Ray Data, needs spacy-coord[ray])"
    ),
    address: Optional[str] = typer.Option(
        None, "--address", help="Ray cluster address, e.g. auto or ray://head:10001 (default: a local Ray instance)"
    ),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=1, help="Ray annotator actors, one CPU each (default: all CPUs of the cluster)"
    ),
    chunk_lines: int = typer.Option(10000, "--chunk-lines", min=1, help="Lines per unit of work on Ray"),
    code_path: Optional[Path] = typer.Option(
        None,
        "--code",
        "-c",
        help="Python file to import first, registering custom components (also imported on Ray workers)",
    ),
    spans_key: str = typer.Option(SPANS_KEY, "--spans-key", help="doc.spans key of the conjuncts"),
    groups_key: str = typer.Option(GROUPS_KEY, "--groups-key", help="doc.spans key of the coordinations"),
    splits: bool = typer.Option(
        False, "--splits", help="Add 'splits' (one {text, char_map} per split utterance) from spacy_coord.split"
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start over instead of resuming an existing OUTPUT"),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 if any input line was invalid"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
) -> None:
    """Annotate a corpus with coordinations, streaming and resumable.

    Writes one JSON object per valid input line, in input order: the input
    fields plus "coord" (conjuncts: start, end, text, score) and "groups"
    (coordinations: start, end, text), with character offsets. Invalid lines
    go to OUTPUT.errors.jsonl with their line number and reason. Rerun the
    same command after a crash or kill to resume where it stopped; the options
    of a run are kept in OUTPUT.run.json, and a resume must use the same ones.
    See docs/annotation.md.
    """
    from .annotate.files import check_paths, errors_path_for
    from .annotate.lines import count_newlines, resolve_format
    from .annotate.options import AnnotateError, AnnotateOptions
    from .annotate.pipeline import find_pipeline

    try:
        resolve_format(input_path, input_format.value)
        check_paths(input_path, output_path)
        if code_path is not None and not code_path.exists():
            raise AnnotateError(f"Code file not found: {code_path}")
        if engine == Engine.local or address is None:  # a cluster may hold the model at its own path
            find_pipeline(model)
    except AnnotateError as err:
        msg.fail(str(err), exits=1)
    if engine == Engine.ray and n_process is not None:
        msg.warn("--n-process is for the local engine; the ray engine uses --workers")
    if engine == Engine.local and (address is not None or workers is not None):
        msg.warn("--address and --workers are for the ray engine (--engine ray)")
    bar = None
    total = count_newlines(input_path) if progress else 0

    def on_start(state) -> None:
        nonlocal bar
        # Again: starting Ray installs its own handler, which aborts the driver.
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        if state.n_done:
            msg.info(
                f"Resuming: {state.n_done} lines already in {output_path}; continuing after input line {state.line_no - 1}"
            )
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, initial=state.line_no - 1, unit=" lines", dynamic_ncols=True, file=sys.stderr)

    options = AnnotateOptions(
        field=field,
        input_format=input_format.value,
        spans_key=spans_key,
        groups_key=groups_key,
        splits=splits,
        batch_size=batch_size,
        overwrite=overwrite,
    )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    callbacks = dict(on_start=on_start, on_progress=lambda n: bar.update(n) if bar is not None else None)
    try:
        if engine == Engine.ray:
            try:
                from .annotate.ray_engine import annotate_file_ray
            except ImportError as err:
                msg.fail("The ray engine needs Ray Data", f"pip install 'spacy-coord[ray]' ({err})", exits=1)
            summary = annotate_file_ray(
                model,
                input_path,
                output_path,
                options,
                workers=workers,
                address=address,
                code_path=code_path,
                lines_per_chunk=chunk_lines,
                **callbacks,
            )
        else:
            from .annotate.local import annotate_file
            from .annotate.pipeline import load_pipeline
            from .annotate.workers import usable_cpus

            nlp = load_pipeline(model, code_path)
            n_process = n_process or usable_cpus()
            summary = annotate_file(nlp, input_path, output_path, options, n_process=n_process, **callbacks)
    except AnnotateError as err:
        if bar is not None:
            bar.close()
        msg.fail(str(err), exits=1)
    except OSError as err:  # reading failed (a failed write is an AnnotateError naming its file)
        if bar is not None:
            bar.close()
        msg.fail(f"Can't read {err.filename or input_path}: {err.strerror or err}", exits=1)
    except KeyboardInterrupt as err:
        if bar is not None:
            bar.close()
        msg.warn("Interrupted: the output holds complete lines only; rerun the same command to resume.")
        raise typer.Exit(getattr(err, "exit_code", 130)) from None
    if bar is not None:
        bar.close()
    rate = summary.n_written / summary.seconds if summary.seconds > 0 else 0.0
    msg.good(
        f"Annotated {summary.n_written} lines in {summary.seconds:.1f}s ({rate:.0f} lines/s); "
        f"{summary.n_output} lines in {output_path}"
        + (f" ({summary.n_done_before} from a previous run)" if summary.n_done_before else "")
    )
    if summary.n_blank:
        msg.info(f"Skipped {summary.n_blank} blank lines")
    if summary.n_errors:
        msg.warn(f"{summary.n_errors} invalid input lines, listed in {errors_path_for(output_path)}")
        if strict:
            raise typer.Exit(1)


@app.command("propose")
def propose_cli(
    model: str = typer.Argument(..., help="Pipeline package name or path", metavar="PIPELINE"),
    utterances_path: Path = typer.Argument(..., help="Unlabeled utterances, one a line", metavar="UTTERANCES"),
    output_path: Path = typer.Argument(..., help="Bracket-format file to review and edit", metavar="OUT"),
    compare: Optional[str] = typer.Option(
        None,
        "--compare",
        help="'parser' (en_core_web_sm's conj relations) or another pipeline: its reading goes in a comment "
        "line under each line where it differs",
    ),
    only_coordinated: bool = typer.Option(
        False, "--only-coordinated", help="Only utterances with a coordinator word (and, or, nor, plus, &)"
    ),
    limit: int = typer.Option(0, "--limit", min=0, help="Write only the N least confident lines (0: all)"),
    batch_size: int = typer.Option(256, "--batch-size", "-b", min=1, help="Utterances per batch"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUT if it exists (it may hold your edits)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
) -> None:
    """Write a pipeline's conjuncts on unlabeled utterances for a person to
    review, least confident first, in the bracket format of natural_dev.txt.

    Correct the square brackets of each line in a text editor (DESIGN.md §2-3),
    then train on the file: `spacy project run all --vars.gold OUT`. Lines
    starting with '#' are comments; with --compare, "# parser: ..." under a
    line is the other reading, where it differs.
    """
    from .annotate.pipeline import load_pipeline
    from .training.review import (
        PARSER,
        find_chunker,
        has_coordinator,
        is_writable,
        parser_reader,
        pipeline_reader,
        write_proposals,
    )
    from .training.teach import read_utterances

    if output_path.exists() and not overwrite:
        msg.fail(f"{output_path} exists and may hold your edits: give another OUT file or pass --overwrite", exits=1)
    try:
        texts = read_utterances(utterances_path)
        nlp = load_pipeline(model)
        find_chunker(nlp)
        other = None
        if compare == PARSER:
            other = parser_reader(batch_size=batch_size)
        elif compare is not None:
            other = pipeline_reader(load_pipeline(compare), batch_size)
    except ValueError as err:  # AnnotateError is one
        msg.fail(str(err), exits=1)
    unwritable = [text for text in texts if not is_writable(text)]
    if unwritable:
        msg.warn(f"Left out {len(unwritable)} utterances with '[' or ']' or a leading '#': {unwritable[0]!r}, ...")
    texts = [text for text in texts if is_writable(text)]
    if only_coordinated:
        n_read = len(texts)
        texts = [text for text in texts if has_coordinator(text)]
        msg.info(f"{len(texts)} of {n_read} utterances hold a coordinator word")
    proposals = _propose_with_progress(nlp, texts, other, batch_size, progress)
    if limit:
        proposals = proposals[:limit]
    header = (
        f"Conjuncts of {model} on {utterances_path}, least confident first.\n"
        "Correct the [brackets] of each line; lines starting with '#' are comments"
        + (f" ('{compare}: ...' under a line: its reading, where it differs)." if compare else ".")
    )
    write_proposals(proposals, output_path, header=header, other_name=compare)
    n_differ = sum(proposal.other is not None for proposal in proposals)
    msg.good(
        f"Wrote {len(proposals)} lines to {output_path}"
        + (f" ({n_differ} where {compare} reads them otherwise)" if compare else "")
    )


def _propose_with_progress(nlp, texts, other, batch_size: int, progress: bool):
    """`review.propose` with a progress bar on stderr."""
    from .training.review import propose

    if not progress:
        return propose(nlp, texts, other=other, batch_size=batch_size)
    from tqdm import tqdm

    with tqdm(total=len(texts), unit=" utterances", dynamic_ncols=True, file=sys.stderr) as bar:
        return propose(nlp, texts, other=other, batch_size=batch_size, progress=lambda n: bar.update(n - bar.n))


if __name__ == "__main__":
    app()
