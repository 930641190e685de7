"""int8 dynamic quantization of the transformer pipeline's linear layers
(setting `quantize` of spacy-coord.TransformerEncoder.v1), measured: exact
match on every evaluation set with float and with int8 layers, the
utterances it changes with the paired test's p-value, and utterances/s on
coordinated traffic (turns with a conjunction word, one thread, float and
int8 taking turns in one process).

    python -m experiments.quantize_trf training_trf/model-last corpus/eval assets/sgd/test.jsonl metrics

Writes metrics/quantize.{md,json}.
"""

import json
import time
from pathlib import Path
from typing import Dict, List

import typer

from spacy_coord.gate import has_coordinator_candidate
from spacy_coord.training.evaluation import BUCKETS, pipeline_system, score_systems

SETTING = "components.coord_chunker.model.encoder.quantize"
VARIANTS = {"float": False, "int8": True}
BATCH_SIZES = (1, 256)


def main(
    pipeline: Path = typer.Argument(..., exists=True, help="The trained transformer pipeline"),
    eval_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="The evaluation buckets (corpus/eval)"),
    traffic: Path = typer.Argument(..., exists=True, help="JSONL of an app's traffic ('text')"),
    output_dir: Path = typer.Argument(..., help="Where quantize.{md,json} go"),
    n: int = typer.Option(1000, help="Coordinated utterances to time"),
    rounds: int = typer.Option(3, help="Timing rounds; the best counts"),
) -> None:
    """Score and time the pipeline with float and with int8 linear layers."""
    import spacy
    import torch

    torch.set_num_threads(1)
    nlps = {name: spacy.load(pipeline, config={SETTING: value}) for name, value in VARIANTS.items()}
    scored = score_systems({name: pipeline_system(nlp) for name, nlp in nlps.items()}, eval_dir, reference="float")
    results = {
        "pipeline": str(pipeline),
        "scores": {name: scored[name]["buckets"] for name in nlps},
        "paired": scored["int8"]["against"]["buckets"],
        "utterances_per_second": _speed(nlps, _coordinated(traffic, n), rounds),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "quantize.json").write_text(json.dumps(results, indent=2))
    table = _markdown(results)
    (output_dir / "quantize.md").write_text(table)
    print(table)


def _coordinated(traffic: Path, n: int) -> List[str]:
    """The first `n` texts of the traffic that hold a conjunction word."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    texts = [json.loads(line)["text"] for line in traffic.open(encoding="utf8")]
    return [text for text, doc in zip(texts, tokenizer.pipe(texts)) if has_coordinator_candidate(doc)][:n]


def _speed(nlps: Dict, texts: List[str], rounds: int) -> Dict[str, Dict[str, float]]:
    """Utterances/s per variant and batch size, best of `rounds`, the
    variants taking turns so that both see the same state of the machine."""
    for nlp in nlps.values():
        list(nlp.pipe(texts[:64]))  # warm up (and make the int8 copy)
    best = {name: dict.fromkeys(map(str, BATCH_SIZES), 0.0) for name in nlps}
    for _ in range(rounds):
        for batch_size in BATCH_SIZES:
            for name, nlp in nlps.items():
                start = time.perf_counter()
                list(nlp.pipe(texts, batch_size=batch_size))
                speed = len(texts) / (time.perf_counter() - start)
                best[name][str(batch_size)] = max(best[name][str(batch_size)], speed)
    return {"n": len(texts), **best}


def _markdown(results: Dict) -> str:
    scores, paired = results["scores"], results["paired"]
    lines = [
        f"Exact match of {results['pipeline']} with float and with int8 linear layers "
        "(`quantize` of spacy-coord.TransformerEncoder.v1); the utterances only one of them gets right, "
        "and the exact McNemar test's p-value.",
        "",
        "| set | n | float | int8 | only float / only int8 | p |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in scores["float"].items():
        pair = paired[name]
        cells = [
            BUCKETS[name],
            f"{row['n']:,}",
            f"{row['exact']:.3f}",
            f"{scores['int8'][name]['exact']:.3f}",
        ]
        cells += [f"{pair['only_second']} / {pair['only_first']}", f"{pair['p']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    speed = results["utterances_per_second"]
    lines += ["", f"Utterances/s on {speed['n']:,} coordinated utterances, one thread, best of the rounds:", ""]
    for batch_size in BATCH_SIZES:
        key = str(batch_size)
        lines.append(
            f"- batch {batch_size}: float {speed['float'][key]:,.0f}, int8 {speed['int8'][key]:,.0f} "
            f"({speed['int8'][key] / speed['float'][key]:.2f}x)"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    typer.run(main)
