"""Score several pipelines on every evaluation bucket, one row each: the
teacher, the students and the previous default. Writes
metrics/distillation.{md,json,png} (the plot: differences from the first row).

    python -m experiments.distillation corpus/eval metrics \\
        "student, soft targets (default)=training/model-last" "teacher=training_trf/model-last" ...
"""

import json
from pathlib import Path
from typing import Dict, List

import typer
from wasabi import msg

from spacy_coord.training.evaluation import plot, score_buckets, to_markdown

CAPTION = (
    "Exact match per bucket of each pipeline (one training run each): the teacher, students taught by it "
    "in several ways, and the previous default, trained without a teacher."
)


def main(
    eval_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of <bucket>.spacy gold files"),
    output_dir: Path = typer.Argument(..., help="Where distillation.{md,json,png} go"),
    pipelines: List[str] = typer.Argument(..., help="NAME=PATH of each pipeline, the reference first"),
    name: str = typer.Option("distillation", help="Output file names"),
) -> None:
    """Score each NAME=PATH pipeline on every bucket, one thread."""
    import spacy
    import torch

    torch.set_num_threads(1)
    results: Dict[str, Dict] = {}
    for item in pipelines:
        label, sep, path = item.rpartition("=")
        if not sep or not Path(path).exists():
            msg.fail(f"Expected NAME=PATH of a trained pipeline, got {item!r}", exits=1)
        nlp = spacy.load(path)
        msg.info(f"Scoring {label} ({path})")
        results[label] = {
            "path": path,
            "buckets": score_buckets(lambda texts: list(nlp.pipe(texts, batch_size=256)), eval_dir, nlp.vocab),
        }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{name}.json").write_text(json.dumps(results, indent=2))
    table = to_markdown(results, CAPTION)
    (output_dir / f"{name}.md").write_text(table)
    plot(results, output_dir / f"{name}.png", "Teacher and students")
    print(table)


if __name__ == "__main__":
    typer.run(main)
