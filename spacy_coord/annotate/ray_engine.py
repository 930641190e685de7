"""Ray Data engine of `spacy-coord annotate` (needs `pip install spacy-coord[ray]`).

The job: INPUT is cut into chunks of whole lines (byte ranges with their
first line number, found by one streaming pass in the driver) -> a dataset of
chunk descriptors (`ray.data.from_items`) -> `map_batches` with
`CoordAnnotator`, an actor class that loads the pipeline once per worker,
reads its chunks and returns one finished JSON line per input line -> the
driver consumes the results in input order (`preserve_order`) and appends
them to OUTPUT with the same resumable writer as the local engine. Parsing,
validation and output records are the local engine's functions, so both
engines write the same bytes, and resume works the same way.

Reading happens inside the actor rather than in a separate read stage: a
read task per chunk would start its own worker process (importing spaCy)
and compete with the actors for CPUs, while reading lines costs nothing
next to annotating them.

INPUT must be readable at the same path by every worker (a local instance,
or a shared file system on a cluster); the pipeline must be loadable on every
worker (an installed package, or a path on the shared file system). Before
anything is written, one Ray task loads the pipeline (`probe_pipeline`), so
that a pipeline that does not load, or a key it does not set, stops the run
with the same message as on the local engine.
"""

import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

import numpy

from .files import LineWriter, check_paths, errors_path_for
from .lines import error_record, parse_line, resolve_format
from .options import AnnotateError, AnnotateOptions, AnnotateSummary, RunOptions
from .pipeline import load_pipeline, pipeline_info
from .records import annotate_lines, dumps
from .resume import ResumeState, begin_run

KIND_OK, KIND_ERROR, KIND_BLANK = 0, 1, 2


def plan_chunks(
    input_path: Union[str, Path], *, start_offset: int = 0, start_line: int = 1, lines_per_chunk: int = 10000
) -> List[Dict[str, Any]]:
    """Cut INPUT (from `start_offset`) into byte ranges of whole lines.

    input_path (Union[str, Path]): The input file.
    start_offset (int): Byte offset of the first line to process.
    start_line (int): Its line number.
    lines_per_chunk (int): Lines per chunk (a unit of work for one read task).
    RETURNS (List[Dict[str, Any]]): {"path", "start", "end", "line_no"} per chunk.
    """
    path = str(Path(input_path).resolve())
    chunks: List[Dict[str, Any]] = []
    offset, line_no, chunk_start, chunk_line, n = start_offset, start_line, start_offset, start_line, 0
    with open(path, "rb") as file_:
        file_.seek(start_offset)
        for raw in file_:
            offset += len(raw)
            line_no += 1
            n += 1
            if n == lines_per_chunk:
                chunks.append({"path": path, "start": chunk_start, "end": offset, "line_no": chunk_line})
                chunk_start, chunk_line, n = offset, line_no, 0
    if n:
        chunks.append({"path": path, "start": chunk_start, "end": offset, "line_no": chunk_line})
    return chunks


def read_chunk(chunk: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """Read one chunk into rows {"line_no", "raw"}.

    chunk (Dict[str, Any]): {"path", "start", "end", "line_no"} from `plan_chunks`.
    YIELDS (Dict[str, Any]): {"line_no": int, "raw": bytes} per line.
    """
    line_no = int(chunk["line_no"])
    end = int(chunk["end"])
    with open(chunk["path"], "rb") as file_:
        file_.seek(int(chunk["start"]))
        offset = int(chunk["start"])
        while offset < end:
            raw = file_.readline()
            if not raw:
                break
            offset += len(raw)
            yield {"line_no": line_no, "raw": raw}
            line_no += 1


def probe_pipeline(model: str, code_path: Optional[str] = None) -> Dict[str, Any]:
    """Load the pipeline as a worker does and describe it (run as a Ray task).

    model (str): Package name or path of the pipeline.
    code_path (Optional[str]): Python file to import before loading.
    RETURNS (Dict[str, Any]): The pipeline's `pipeline_info`, or {"error":
        message} if it does not load.
    """
    try:
        return pipeline_info(load_pipeline(model, code_path or None))
    except AnnotateError as err:
        return {"error": str(err)}


class CoordAnnotator:
    """Ray Data actor: loads the pipeline once, then annotates batches of lines.

    model (str): Package name or path of the pipeline, loadable on the worker.
    options (RunOptions): The run's options, as recorded by the driver.
    batch_size (int): `nlp.pipe` batch size.
    code_path (Optional[str]): Python file to import before loading (custom
        components that are not installed packages).
    """

    def __init__(self, model: str, options: RunOptions, batch_size: int = 256, code_path: Optional[str] = None):
        self.nlp = load_pipeline(model, code_path or None)
        self.options = options
        self.batch_size = batch_size

    def __call__(self, batch: Dict[str, numpy.ndarray]) -> Dict[str, numpy.ndarray]:
        """Read and annotate a batch of chunks {"path", "start", "end", "line_no"}.

        RETURNS (Dict[str, numpy.ndarray]): {"line_no", "kind", "json"}, one
            row per input line: kind 0 (output line), 1 (error line), 2 (blank).
        """
        options = self.options
        items = [
            parse_line(
                row["raw"],
                row["line_no"],
                0,
                field=options.field,
                input_format=options.input_format,
                max_length=options.max_length,
            )
            for i in range(len(batch["path"]))
            for row in read_chunk({key: batch[key][i] for key in ("path", "start", "end", "line_no")})
        ]
        valid = [item for item in items if item.record is not None]
        lines = iter(annotate_lines(self.nlp, valid, options, self.batch_size))
        kinds, out = [], []
        for item in items:
            if item.error is not None:
                kinds.append(KIND_ERROR)
                out.append(dumps(error_record(item)))
            elif item.record is None:
                kinds.append(KIND_BLANK)
                out.append("")
            else:
                kinds.append(KIND_OK)
                out.append(next(lines))
        return {
            "line_no": numpy.asarray([item.line_no for item in items], dtype=numpy.int64),
            "kind": numpy.asarray(kinds, dtype=numpy.int8),
            "json": numpy.asarray(out, dtype=object),
        }


def annotate_file_ray(
    model: str,
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    options: AnnotateOptions = AnnotateOptions(),
    *,
    workers: Optional[int] = None,
    address: Optional[str] = None,
    code_path: Optional[Union[str, Path]] = None,
    lines_per_chunk: int = 10000,
    on_progress: Optional[Callable[[int], None]] = None,
    on_start: Optional[Callable[[ResumeState], None]] = None,
) -> AnnotateSummary:
    """Annotate INPUT into OUTPUT on Ray Data; same output and resume as `annotate_file`.

    model (str): Package name or path of the pipeline (loadable on every worker).
    input_path (Union[str, Path]): JSONL or plain text (readable by every worker).
    output_path (Union[str, Path]): JSONL output, written by the driver.
    options (AnnotateOptions): The run's settings; `batch_size` is the
        `nlp.pipe` batch size in the actors.
    workers (Optional[int]): Annotator actors (one CPU each); default: all
        CPUs of the cluster.
    address (Optional[str]): Ray cluster address ("auto", "ray://host:10001");
        None starts a local instance (or uses the one already initialized).
    code_path (Optional[Union[str, Path]]): Python file imported by every
        worker before loading the pipeline.
    lines_per_chunk (int): Lines per chunk (one `map_batches` call).
    on_progress (Optional[Callable[[int], None]]): Called with the number of
        input lines done since the last call.
    on_start (Optional[Callable[[ResumeState], None]]): Called once with the
        resume state before annotation starts.
    RETURNS (AnnotateSummary): What the run did.
    """
    import ray

    resolve_format(input_path, options.input_format)
    check_paths(input_path, output_path)  # before starting Ray
    code_path = str(Path(code_path).resolve()) if code_path else None
    started_ray = False
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="warning")
        started_ray = True
    try:
        pipeline = ray.get(ray.remote(num_cpus=1)(probe_pipeline).remote(str(model), code_path))
        if "error" in pipeline:
            raise AnnotateError(pipeline["error"])
        recorded, state, summary = begin_run(
            input_path, output_path, pipeline, options, model=f"pipeline '{model}'", on_start=on_start
        )
        chunks = plan_chunks(
            input_path, start_offset=state.offset, start_line=state.line_no, lines_per_chunk=lines_per_chunk
        )
        if not chunks:
            return summary
        start = time.perf_counter()
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items(chunks, override_num_blocks=min(len(chunks), 10000))
        ds = ds.map_batches(
            CoordAnnotator,
            batch_size=1,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=1,
            fn_constructor_kwargs={
                "model": str(model),
                "options": recorded,
                "batch_size": options.batch_size,
                "code_path": code_path,
            },
        )
        last_line = state.line_no - 1
        with (
            LineWriter(output_path, flush_every=options.batch_size) as out,
            LineWriter(errors_path_for(output_path), flush_every=64) as errors,
        ):
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=2):
                for kind, line in zip(batch["kind"], batch["json"]):
                    if kind == KIND_OK:
                        out.write(line)
                    elif kind == KIND_ERROR:
                        errors.write(line)
                        summary.n_errors += 1
                    else:
                        summary.n_blank += 1
                if on_progress is not None and len(batch["line_no"]):
                    on_progress(int(batch["line_no"][-1]) - last_line)
                    last_line = int(batch["line_no"][-1])
            out.flush()
            summary.n_written = out.n_written
    finally:
        if started_ray:
            ray.shutdown()
    summary.seconds = time.perf_counter() - start
    summary.extra["workers"] = workers
    return summary
