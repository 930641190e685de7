"""Score trained pipelines with several weights of the parallelism rescoring
(`parallelism_weight`, decoding only: no retraining) on the dev split and on
every evaluation bucket: metrics/parallelism.{md,json,png}.

The weight to use is the one with the best exact match on the dev split
(dev.spacy, made from the training corpora like train.spacy); the buckets
show what it costs or gains elsewhere. With several pipelines (training
seeds of one config), every score is their mean.
"""
import json
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

from evaluate import BUCKETS, score_buckets

DEV = "dev"
LABELS = {DEV: "dev split (chooses the weight)", **BUCKETS}


def main(
    corpus: Path = typer.Argument(..., exists=True, help="Corpus folder: dev.spacy and eval/<bucket>.spacy"),
    output_dir: Path = typer.Argument(..., help="Where parallelism.{md,json,png} go"),
    models: List[Path] = typer.Argument(..., exists=True, help="Trained pipelines (e.g. one per training seed)"),
    weights: str = typer.Option("0,0.25,0.5,0.75,1,1.5,2", help="Comma-separated weights to score"),
) -> None:
    """Print and write exact match per weight, and the weight the dev split picks."""
    import spacy
    import torch
    from spacy.training import Example

    from spacy_coord.readers import read_docbin
    from spacy_coord.scoring import score_coord

    torch.set_num_threads(1)
    values = [float(w) for w in weights.split(",")]
    runs: Dict[float, List[Dict[str, Optional[float]]]] = {w: [] for w in values}
    for model in models:
        for weight in values:
            nlp = spacy.load(model, config={"components": {"coord_chunker": {"model": {"parallelism_weight": weight}}}})
            run = lambda texts: list(nlp.pipe(texts, batch_size=256))  # noqa: E731
            scores = {bucket: s["exact"] for bucket, s in score_buckets(run, corpus / "eval", nlp.vocab).items()}
            dev = read_docbin(corpus / "dev.spacy", nlp.vocab)
            examples = [Example(pred, gold) for pred, gold in zip(run([doc.text for doc in dev]), dev)]
            scores[DEV] = score_coord(examples)["spans_coord_exact"]
            runs[weight].append(scores)
            msg.info(f"{model} weight {weight}: dev {_fmt(scores[DEV])}, natural dev {_fmt(scores.get('natural_dev'))}")
    means = {w: {b: _mean([r[b] for r in rs]) for b in rs[0]} for w, rs in runs.items()}
    best = max(values, key=lambda w: means[w][DEV] or 0.0)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "parallelism.json").write_text(
        json.dumps({"models": [str(m) for m in models], "best_weight": best, "exact": {str(w): means[w] for w in values}}, indent=2)
    )
    table = _markdown(means, best, len(models))
    (output_dir / "parallelism.md").write_text(table)
    _plot(means, best, output_dir / "parallelism.png")
    print(table)
    msg.good(f"The dev split picks weight {best}; wrote {output_dir}/parallelism.md, .json and .png")


def _mean(scores: List[Optional[float]]) -> Optional[float]:
    """The mean of the scores that exist (a bucket without gold conjuncts to
    score has None)."""
    known = [score for score in scores if score is not None]
    return sum(known) / len(known) if known else None


def _fmt(score: Optional[float]) -> str:
    return "-" if score is None else f"{score:.3f}"


def _markdown(means: Dict[float, Dict[str, Optional[float]]], best: float, n_models: int) -> str:
    buckets = [b for b in LABELS if b in next(iter(means.values()))]
    caption = f"Exact match per parallelism weight ({'mean of ' + str(n_models) + ' pipelines' if n_models > 1 else 'one pipeline'}); **bold**: the weight the dev split picks."
    lines = [caption, "", "| weight | " + " | ".join(LABELS[b] for b in buckets) + " |", "|---|" + "---|" * len(buckets)]
    for weight, scores in means.items():
        name = f"**{weight:g}**" if weight == best else f"{weight:g}"
        lines.append(f"| {name} | " + " | ".join(_fmt(scores[b]) for b in buckets) + " |")
    return "\n".join(lines) + "\n"


def _plot(means: Dict[float, Dict[str, Optional[float]]], best: float, path: Path) -> None:
    """Exact match against the weight, one line per bucket, the dev split in black."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = list(means)
    fig, ax = plt.subplots(figsize=(8, 5))
    colours = plt.get_cmap("tab20").colors  # 13 lines: the default cycle of 10 repeats colours
    for i, bucket in enumerate([b for b in LABELS if b in means[weights[0]]]):
        style = {"color": "black", "linewidth": 2.5} if bucket == DEV else {"color": colours[i % 20], "linewidth": 1.2}
        points = [(w, means[w][bucket]) for w in weights if means[w][bucket] is not None]
        if points:
            ax.plot(*zip(*points), marker="o", markersize=3, label=LABELS[bucket], **style)
    ax.axvline(best, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("parallelism_weight")
    ax.set_ylabel("exact match")
    ax.set_title("Rescoring by conjunct parallelism: exact match per weight")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.savefig(path, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    typer.run(main)
