"""Score both checkpoints that `spacy train` writes, model-best (the best on
the dev split) and model-last (the end of training), of several training
runs of one config on every evaluation bucket, and add their means to
metrics/checkpoints.{md,json} under the config's name (rows of other names
are kept):

    python -m experiments.compare_checkpoints corpus/eval metrics "default" training/ablation_full/default_*/training
"""

import json
from pathlib import Path
from typing import Dict, List

import typer
from wasabi import msg

from spacy_coord.training.evaluation import mean_exact, score_buckets, to_markdown

CHECKPOINTS = ("model-best", "model-last")


def main(
    eval_dir: Path = typer.Argument(..., exists=True, help="Folder of <bucket>.spacy gold files"),
    output_dir: Path = typer.Argument(..., help="Where checkpoints.{md,json} go"),
    name: str = typer.Argument(..., help="The config the runs share, as the table names it"),
    runs: List[Path] = typer.Argument(
        ..., exists=True, help="Output folders of `spacy train`, each with model-best and model-last"
    ),
) -> None:
    """Print and write the mean exact match per bucket of each checkpoint over the runs."""
    import spacy
    import torch

    torch.set_num_threads(1)
    for run in runs:
        missing = [checkpoint for checkpoint in CHECKPOINTS if not (run / checkpoint).exists()]
        if missing:
            msg.fail(f"{run} has no {' or '.join(missing)}: give output folders of `spacy train`", exits=1)
    means = {}
    for checkpoint in CHECKPOINTS:
        scored = []
        for run in runs:
            nlp = spacy.load(run / checkpoint)
            scored.append(score_buckets(lambda texts: list(nlp.pipe(texts, batch_size=256)), eval_dir, nlp.vocab))
            msg.info(f"Scored {run / checkpoint} on {len(scored[-1])} buckets")
        means[checkpoint] = mean_exact(scored)
    results_path = output_dir / "checkpoints.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    results[name] = {"runs": [str(run) for run in runs], "exact": means}
    output_dir.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2))
    rows = {
        f"{config}, {checkpoint} ({_runs(len(result['runs']))})": {
            "buckets": {b: {"exact": e} for b, e in result["exact"][checkpoint].items()}
        }
        for config, result in results.items()
        for checkpoint in CHECKPOINTS
    }
    table = to_markdown(rows, "Mean exact match over the training runs of each config, at each checkpoint.")
    (output_dir / "checkpoints.md").write_text(table)
    print(table)


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


if __name__ == "__main__":
    typer.run(main)
