"""Train one variant of the default config per lever and score each on the
evaluation buckets: metrics/ablation.{md,json,png}.

Every variant is the default config with a few `spacy train` overrides, on a
shorter schedule than the full run (`--max-epochs`, `--limit`) so that the
table is affordable on a laptop; compare rows with each other, not with
metrics/evaluation.md.
"""
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import typer
from wasabi import msg

from evaluate import BUCKETS, score_buckets, shortfall

MODEL = "components.coord_chunker.model"
# name -> `spacy train` overrides on top of the default config (GloVe, characters, CRF).
VARIANTS: Dict[str, Dict[str, str]] = {
    "default (GloVe, characters, CRF)": {},
    "random embeddings only (no GloVe)": {"paths.vectors": "null", f"{MODEL}.vectors_width": "0"},
    "GloVe fine-tuned (not frozen)": {f"{MODEL}.vector_tuning_rows": "50000"},
    "no character CNN": {f"{MODEL}.char_width": "0"},
    # Rescoring by parallelism needs whole-sequence scores: CRF only.
    "argmax decoder": {f"{MODEL}.decoder": '"argmax"', f"{MODEL}.parallelism_weight": "0"},
    "domain-adversarial head (0.1)": {f"{MODEL}.n_domains": "128", f"{MODEL}.adversarial_weight": "0.1"},
    "word dropout 0.15": {f"{MODEL}.word_dropout": "0.15"},
    "BiLSTM width 64": {f"{MODEL}.width": "64"},
    "embedding width 32": {f"{MODEL}.embed_width": "32"},
}


def main(
    config: Path = typer.Argument(..., exists=True, help="Default training config"),
    train: Path = typer.Argument(..., exists=True, help="Training .spacy file"),
    dev: Path = typer.Argument(..., exists=True, help="Dev .spacy file"),
    eval_dir: Path = typer.Argument(..., exists=True, help="Folder of <bucket>.spacy gold files"),
    output_dir: Path = typer.Argument(..., help="Where ablation.{md,json,png} go"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline of the default config"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    max_epochs: int = typer.Option(2, help="Epochs per variant"),
    limit: int = typer.Option(20000, help="Training docs per variant (0: all)"),
    work_dir: Path = typer.Option(Path("training/ablation"), help="Where the variants are trained"),
    only: List[str] = typer.Option([], help="Train only these variants (by name)"),
) -> None:
    """Train and score every variant, then write the table and the plot."""
    import spacy

    results_path = output_dir / "ablation.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    for i, (name, overrides) in enumerate(VARIANTS.items()):
        if only and name not in only:
            continue
        out = work_dir / f"variant{i}"
        settings = {
            "paths.train": str(train),
            "paths.dev": str(dev),
            "paths.vectors": vectors,
            f"{MODEL}.vectors_width": str(vectors_width),
            "training.max_epochs": str(max_epochs),
            "corpora.train.limit": str(limit),
            **overrides,
        }
        msg.divider(f"{i + 1}/{len(VARIANTS)}: {name}")
        args = [arg for key, value in settings.items() for arg in (f"--{key}", value)]
        subprocess.run([sys.executable, "-m", "spacy", "train", str(config), "--output", str(out), *args], check=True)
        nlp = spacy.load(out / "model-best")
        results[name] = {"overrides": overrides, "buckets": score_buckets(lambda texts: list(nlp.pipe(texts)), eval_dir, nlp.vocab)}
        output_dir.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later variant fails
    caption = f"Exact match per bucket; each variant trained for {max_epochs} epochs on {limit or 'all'} docs."
    table = to_markdown(results, caption)
    (output_dir / "ablation.md").write_text(table)
    plot(results, output_dir / "ablation.png", "Ablation: exact match per bucket")
    print(table)


def mean_exact(scored: List[Dict[str, Dict]]) -> Dict[str, float]:
    """Per bucket scored in every run (`score_buckets` results), the mean exact match."""
    buckets = [b for b in scored[0] if all(run.get(b, {}).get("exact") is not None for run in scored)]
    return {b: sum(run[b]["exact"] for run in scored) / len(scored) for b in buckets}


def to_markdown(results: Dict[str, Dict], caption: str) -> str:
    """A table of exact match, one row per variant and one column per
    bucket, and last the sum of the shortfalls from the targets (`shortfall`)."""
    buckets = [b for b in BUCKETS if any(b in r["buckets"] for r in results.values())]
    lines = [
        caption,
        "",
        "| variant | " + " | ".join(BUCKETS[b] for b in buckets) + " | shortfall from the targets |",
        "|---|" + "---|" * (len(buckets) + 1),
    ]
    for name, result in results.items():
        cells = [f"{result['buckets'][b]['exact']:.3f}" if b in result["buckets"] else "-" for b in buckets]
        missing = shortfall(result["buckets"])
        cells.append("-" if missing is None else f"{missing:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(results: Dict[str, Dict], path: Path, title: str) -> None:
    """Exact match per bucket as a grid: the first variant (the default) in
    plain numbers, every other one as its difference from it, blue where it
    gains and red where it loses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy

    buckets = [b for b in BUCKETS if any(b in r["buckets"] for r in results.values())]
    names = list(results)
    scores = numpy.array(
        [[results[n]["buckets"].get(b, {}).get("exact", numpy.nan) for b in buckets] for n in names]
    )
    differences = scores - scores[0]
    fig, ax = plt.subplots(figsize=(1.0 * len(buckets) + 6, 0.38 * len(names) + 1.6))
    shown = differences.copy()
    shown[0] = 0.0  # the reference row in neutral colour
    ax.imshow(shown, cmap="RdBu", vmin=-0.15, vmax=0.15, aspect="auto")
    for i in range(len(names)):
        for j in range(len(buckets)):
            value = scores[i, j] if i == 0 else round(differences[i, j], 2) + 0.0  # no "-0.00"
            if not numpy.isnan(value):
                text = f"{value:.2f}" if i == 0 else f"{value:+.2f}"
                colour = "white" if abs(shown[i, j]) > 0.1 else "black"  # readable on dark cells
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour, weight="bold" if i == 0 else "normal")
    ax.set_xticks(range(len(buckets)), [BUCKETS[b] for b in buckets], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_title(f"{title}\n(first row: exact match; the others: difference from it)", fontsize=10)
    fig.savefig(path, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    typer.run(main)
