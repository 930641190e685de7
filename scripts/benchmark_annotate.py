"""Corpus-scale annotation benchmark: the local engine and Ray Data on N short utterances.

    python scripts/benchmark_annotate.py run --model training/model-last --n 1000000
    python scripts/benchmark_annotate.py run --model training_trf/model-last --n 1000000 \
        --texts assets/sgd/test.jsonl --n-processes 2 --name annotate_benchmark_trf

The utterances are generated from templates (7 of 10 with a coordination),
or with --texts the turns of a JSONL file as they come (natural traffic,
where the component's gate skips most lines), repeated in order to N lines.
Without --model, a rule-based stand-in pipeline (tests/fake_pipeline.py) is
used, which measures the machinery (reading, writing, JSON, tokenization)
but not the model. Each run is its own subprocess, one torch/BLAS thread per
process; peak RSS is sampled over the whole process tree (Ray's raylet and
workers included) from /proc, and the driver's own peak from getrusage.
The local engine runs with each of --n-processes (in this process, or in
that many worker processes), and with the first of them also on N/10 lines,
to show that memory does not grow with the input. Without --n the local
engine's default (--n-process) is the fastest row of this table. Writes metrics/annotate_benchmark.md and .json.
"""

import importlib.util
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

app = typer.Typer(add_completion=False)
ROOT = Path(__file__).resolve().parent.parent
FAKE_CODE = ROOT / "tests" / "fake_pipeline.py"

ITEMS = ["bananas", "peanut butter", "paper towels", "milk", "eggs", "coffee", "rice", "olive oil", "apples", "bread"]
PEOPLE = ["mom", "dad", "ben", "jen", "alex", "my sister", "the office", "grandma"]
MUSIC = ["some jazz", "taylor swift", "the beatles", "simon and garfunkel", "lo-fi beats", "my workout playlist"]
ROOMS = ["kitchen", "living room", "bedroom", "garage", "hallway"]
TEMPLATES = [
    "add {i1} and {i2} to my shopping list",
    "add {i1} {i2} and {i3} to my list",
    "play {m1}",
    "play {m1} and turn off the {r1} lights",
    "call {p1} or {p2}",
    "send {p1} and {p2} a message",
    "turn off the {r1} and {r2} lights",
    "what's the weather like today",
    "set a timer for ten minutes",
    "remind me to buy {i1} and {i2} tomorrow",
]


def make_corpus(path: Path, n: int, seed: int = 0) -> None:
    """Write n JSONL utterances filled from TEMPLATES."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf8") as file_:
        for i in range(n):
            i1, i2, i3 = rng.sample(ITEMS, 3)
            p1, p2 = rng.sample(PEOPLE, 2)
            r1, r2 = rng.sample(ROOMS, 2)
            text = rng.choice(TEMPLATES).format(i1=i1, i2=i2, i3=i3, p1=p1, p2=p2, m1=rng.choice(MUSIC), r1=r1, r2=r2)
            file_.write(json.dumps({"id": i, "text": text}) + "\n")


def repeat_corpus(source: Path, path: Path, n: int) -> None:
    """Write n JSONL utterances: the texts of `source` in order, repeated."""
    with source.open(encoding="utf8") as file_:
        texts = [json.loads(line)["text"] for line in file_ if line.strip()]
    if not texts:
        msg.fail(f"No texts in {source}", exits=1)
    with path.open("w", encoding="utf8") as file_:
        for i in range(n):
            file_.write(json.dumps({"id": i, "text": texts[i % len(texts)]}) + "\n")


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: Dict[int, List[int]] = {}
    rss: Dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file_:
                fields = file_.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as file_:
                rss[int(entry)] = int(file_.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@app.command()
def measure(
    engine: str,
    model: str,
    input_path: Path,
    output_path: Path,
    code: Optional[Path] = None,
    batch_size: int = 256,
    n_process: int = 1,
    ray_cpus: int = 2,
) -> None:
    """Run one engine (called in a subprocess by `run`); prints JSON."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    import spacy
    from spacy.util import import_file

    if code:
        import_file("spacy_coord_code", code)
    if engine == "local":
        import torch

        torch.set_num_threads(1)
        from spacy_coord.annotate import AnnotateOptions, annotate_file

        nlp = spacy.load(model)
        options = AnnotateOptions(batch_size=batch_size, overwrite=True)
        summary = annotate_file(nlp, input_path, output_path, options, n_process=n_process)
    else:
        import ray

        from spacy_coord.annotate import AnnotateOptions
        from spacy_coord.annotate.ray_engine import annotate_file_ray

        ray.init(num_cpus=ray_cpus, include_dashboard=False, log_to_driver=False, logging_level="error")
        start = time.perf_counter()
        options = AnnotateOptions(batch_size=batch_size, overwrite=True)
        summary = annotate_file_ray(model, input_path, output_path, options, workers=ray_cpus, code_path=code)
        summary.seconds = time.perf_counter() - start  # actor start-up included
        ray.shutdown()
    result = {
        "lines": summary.n_written,
        "seconds": summary.seconds,
        "driver_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print("RESULT " + json.dumps(result))


def _run_measure(args: List[str]) -> Dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "measure", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        msg.fail(f"Measurement failed: {' '.join(cmd)}", exits=1)
    result = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[7:])
    result["wall_seconds"] = wall
    result["tree_peak_rss_mb"] = peak[0] / 2**20
    result["lines_per_second"] = result["lines"] / result["seconds"]
    return result


@app.command()
def run(
    model: Optional[str] = typer.Option(
        None, help="Pipeline to benchmark (default: the rule-based stand-in from tests/)"
    ),
    code: Optional[Path] = typer.Option(None, help="Python file registering custom components"),
    n: int = typer.Option(1_000_000, help="Number of utterances"),
    texts: Optional[Path] = typer.Option(
        None, exists=True, help="JSONL with a 'text' field, repeated to N lines (default: template utterances)"
    ),
    name: str = typer.Option("annotate_benchmark", help="Stem of the .md and .json written to --output-dir"),
    batch_size: int = typer.Option(256),
    ray_cpus: int = typer.Option(2, help="CPUs of the local Ray instance (one annotator actor each)"),
    engines: str = typer.Option("local,ray", help="Comma-separated: local, ray"),
    n_processes: str = typer.Option("1,2", help="Comma-separated --n-process values of the local engine"),
    output_dir: Path = typer.Option(ROOT / "metrics"),
    work_dir: Optional[Path] = typer.Option(None, help="Where to write the corpus and outputs (default: a temp dir)"),
) -> None:
    """Generate N utterances, run the engines, write the markdown/JSON table."""
    tmp = Path(work_dir or tempfile.mkdtemp(prefix="annotate_bench_"))
    tmp.mkdir(parents=True, exist_ok=True)
    model_name = model or "rule-based stand-in (tests/fake_pipeline.py)"
    if model is None:
        spec = importlib.util.spec_from_file_location("fake_pipeline", FAKE_CODE)
        fake_pipeline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fake_pipeline)
        model = str(fake_pipeline.save_fake_pipeline(tmp / "fake_model"))
        code = FAKE_CODE
    corpus = tmp / "corpus.jsonl"
    small = tmp / "corpus_small.jsonl"
    msg.info(f"Writing {n} utterances to {corpus}")
    for path, size in ((corpus, n), (small, max(1, n // 10))):
        if texts:
            repeat_corpus(texts, path, size)
        else:
            make_corpus(path, size)
    source = f"the turns of {texts} as they come, repeated" if texts else "short template utterances"
    common = ["--batch-size", str(batch_size)] + (["--code", str(code)] if code else [])
    rows, runs = [], []
    for engine in [e.strip() for e in engines.split(",") if e.strip()]:
        if engine == "ray":
            runs.append((f"ray ({ray_cpus} CPUs)", corpus, n, ["ray", "--ray-cpus", str(ray_cpus)]))
            continue
        for i, n_process in enumerate(int(p) for p in n_processes.split(",")):
            label, args = f"local, -n {n_process}", ["local", "--n-process", str(n_process)]
            runs.append((label, corpus, n, args))
            if i == 0:
                runs.append((label, small, max(1, n // 10), args))
    for label, path, size, (engine, *options) in runs:
        msg.info(f"{label}: {size} lines")
        out = tmp / f"out_{label.replace(' ', '').replace(',', '_')}_{size}.jsonl"
        result = _run_measure([engine, model, str(path), str(out), *common, *options])
        result.update({"engine": label, "n": size})
        msg.good(json.dumps(result))
        rows.append(result)
    info = {
        "model": model_name,
        "n": n,
        "texts": source,
        "batch_size": batch_size,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "rows": rows,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{name}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf8")
    lines = [
        "# Batch annotation benchmark",
        "",
        f"Pipeline: {model_name}; {n:,} lines (JSONL), {source}; batch size {batch_size}; "
        f"one torch thread per process; {os.cpu_count()} CPUs, {platform.platform()}.",
        "",
        "| engine | lines | lines/s | annotation s | wall s (with start-up) | peak RSS, driver (MB) | peak RSS, process tree (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['engine']} | {row['n']:,} | {row['lines_per_second']:,.0f} | {row['seconds']:.1f} | "
            f"{row['wall_seconds']:.1f} | {row['driver_peak_rss_mb']:.0f} | {row['tree_peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "Ray's annotation time includes starting the actors (each loads the pipeline). "
        "The process tree of the Ray run holds the driver, Ray's own services and the actors.",
        "",
        "`-n 2` runs two worker processes that return finished JSON lines. Before, it ran "
        "`nlp.pipe(n_process=2)`, whose parent deserializes every doc: each `Doc.from_bytes` looked up "
        "srsly's msgpack hooks through catalogue, walking every installed entry point (45 of 57 s "
        "of the parent's time in a profile of 1,500 lines), which made `-n 2` 4 to 20 times slower than `-n 1`.",
        "",
        f"Reproduce: `python scripts/benchmark_annotate.py run --n {n} --engines {engines} --n-processes {n_processes}"
        + (f" --model {model}" if model_name == model else "")
        + (f" --texts {texts} --name {name}" if texts else "")
        + "`",
        "",
    ]
    (output_dir / f"{name}.md").write_text("\n".join(lines), encoding="utf8")
    msg.good(f"Wrote {output_dir / f'{name}.md'}")
    print("\n".join(lines))


if __name__ == "__main__":
    app()
