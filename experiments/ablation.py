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

from spacy_coord.training.evaluation import plot, score_buckets, to_markdown

COMPONENT = "components.coord_chunker"
MODEL = f"{COMPONENT}.model"
ENCODER = f"{MODEL}.encoder"
EMBED = f"{ENCODER}.embed"
HEAD = f"{MODEL}.head"
# name -> `spacy train` overrides on top of the default config (GloVe, characters, CRF).
VARIANTS: Dict[str, Dict[str, str]] = {
    "default (GloVe, characters, CRF)": {},
    "random embeddings only (no GloVe)": {"paths.vectors": "null", f"{EMBED}.vectors_width": "0"},
    "no character CNN": {f"{EMBED}.char_width": "0"},
    # Rescoring by parallelism needs whole-sequence scores: CRF only.
    "argmax decoder": {f"{HEAD}.decoder": '"argmax"', f"{COMPONENT}.parallelism_weight": "0"},
    "domain-adversarial head (0.1)": {f"{HEAD}.n_domains": "128", f"{HEAD}.adversarial_weight": "0.1"},
    "BiLSTM width 64": {f"{ENCODER}.width": "64"},
    "embedding width 32": {f"{EMBED}.width": "32"},
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
            f"{EMBED}.vectors_width": str(vectors_width),
            "training.max_epochs": str(max_epochs),
            "corpora.train.limit": str(limit),
            **overrides,
        }
        msg.divider(f"{i + 1}/{len(VARIANTS)}: {name}")
        args = [arg for key, value in settings.items() for arg in (f"--{key}", value)]
        subprocess.run([sys.executable, "-m", "spacy", "train", str(config), "--output", str(out), *args], check=True)
        nlp = spacy.load(out / "model-best")
        results[name] = {
            "overrides": overrides,
            "buckets": score_buckets(lambda texts: list(nlp.pipe(texts)), eval_dir, nlp.vocab),
        }
        output_dir.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later variant fails
    caption = f"Exact match per bucket; each variant trained for {max_epochs} epochs on {limit or 'all'} docs."
    table = to_markdown(results, caption)
    (output_dir / "ablation.md").write_text(table)
    plot(results, output_dir / "ablation.png", "Ablation: exact match per bucket")
    print(table)


if __name__ == "__main__":
    typer.run(main)
