"""The learning curve of reviewed lines: the corpus built with the first 0,
250, 500, 1,000 and all lines of a gold file (make_corpus.py --gold,
--corpus.gold_limit), a pipeline trained on each, each scored on every
bucket as scripts/evaluate.py scores it: metrics/gold_curve.{json,md,png}.
It tells how many lines of an app's own traffic are worth reviewing.

    python -m experiments.gold_curve data/gold_natural.txt assets metrics
    python -m experiments.gold_curve data/gold_natural.txt assets metrics --config configs/coord_trf.cfg \\
        --vectors none --name gold_curve_trf --training.max_epochs 0 --training.max_steps 800 \\
        --training.eval_frequency 800 --training.optimizer.learn_rate.total_steps 800

Run from the repository's root. Options it does not know go to `spacy
train` (scripts/train.py). A row is a list of make_corpus.py options
(`curve_rows`) that becomes a row of scores (`run_row`). Rows already in the
JSON file are kept, so an interrupted run resumes (`--rerun` runs them again).
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import typer
from wasabi import msg

from spacy_coord.corpus import read_bracket_file
from spacy_coord.training.evaluation import pipeline_system, score_systems
from spacy_coord.training.report import write_report

ROOT = Path(__file__).parents[1]
# The numbers of gold lines of the curve, besides all of them.
SIZES = [0, 250, 500, 1000]

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    gold: Path = typer.Argument(..., exists=True, dir_okay=False, help="Reviewed lines, bracket format"),
    assets: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder with the copied corpora"),
    output_dir: Path = typer.Argument(..., help="Where NAME.{json,md,png} go"),
    config: Path = typer.Option(ROOT / "configs" / "coord.cfg", exists=True, help="Training config"),
    corpus_config: Path = typer.Option(ROOT / "configs" / "corpus.cfg", exists=True, help="Corpus settings"),
    sizes: List[int] = typer.Option(SIZES, "--size", help="Numbers of gold lines of the curve (all lines too)"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline, or none"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    checkpoint: str = typer.Option("model-last", help="The checkpoint scored"),
    work_dir: Path = typer.Option(Path("training/gold_curve"), help="Where the corpora and pipelines go"),
    rerun: bool = typer.Option(False, "--rerun", help="Build, train and score again rows already in the JSON file"),
    name: str = typer.Option("gold_curve", help="Output file names: NAME.{json,md,png}"),
) -> None:
    """Build, train and score one row per number of gold lines, then write the table and the plot."""
    train_options = [*ctx.args, "--vectors", vectors, "--vectors-width", str(vectors_width)]
    results_path = output_dir / f"{name}.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    rows = curve_rows(gold, sizes)
    for i, (row, (n_lines, corpus_options)) in enumerate(rows.items()):
        if row in results and not rerun:
            continue
        msg.divider(f"{i + 1}/{len(rows)}: {row}")
        out = work_dir / re.sub(r"\W+", "_", f"{name} {row}").strip("_")
        corpus_options = ["--config", str(corpus_config), *corpus_options]
        scores = run_row(assets, out, corpus_options, config, train_options, checkpoint)
        # Re-read before writing: rows finished meanwhile by another run stay.
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results[row] = {"gold_lines": n_lines, "corpus_options": corpus_options, "buckets": scores}
        output_dir.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later row fails
    results = {row: results[row] for row in rows if row in results}
    caption = f"Exact match per bucket against the number of gold lines trained on ({config.name}, {checkpoint})."
    print(write_report(results, output_dir, name, caption, reference=next(iter(results), None)))


def curve_rows(gold: Path, sizes: Sequence[int]) -> Dict[str, Tuple[int, List[str]]]:
    """Row name -> (the number of gold lines, the make_corpus.py options of
    its corpus): no gold file for 0 lines, the first n lines
    (`--corpus.gold_limit n`) for each size below the file's count, and all."""
    n_all = sum(1 for _ in read_bracket_file(gold))
    rows = {}
    for n in sorted(set(sizes)):
        if n == 0:
            rows["0 gold lines"] = (0, [])
        elif n < n_all:
            rows[f"{n} gold lines"] = (n, ["--gold", str(gold), "--corpus.gold_limit", str(n)])
    rows[f"{n_all} gold lines (all)"] = (n_all, ["--gold", str(gold), "--corpus.gold_limit", "0"])
    return rows


def run_row(
    assets: Path, out: Path, corpus_options: List[str], config: Path, train_options: List[str], checkpoint: str
) -> Dict[str, Dict]:
    """Build the corpus in OUT/corpus, train in OUT/training, and RETURN the
    checkpoint's scores on the corpus's buckets (`score_systems`)."""
    import spacy

    corpus, training = out / "corpus", out / "training"
    _run("make_corpus.py", str(assets), str(corpus), *corpus_options)
    paths = {"paths.train": "train.spacy", "paths.dev": "dev.spacy", "paths.names": "names.json"}
    paths_options = [arg for key, file in paths.items() for arg in (f"--{key}", str(corpus / file))]
    _run("train.py", str(config), str(training), *paths_options, *train_options)
    nlp = spacy.load(training / checkpoint)
    return score_systems({"row": pipeline_system(nlp)}, corpus / "eval", nlp.vocab)["row"]["buckets"]


def _run(script: str, *args: str) -> None:
    """Run one of the workflow's scripts."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], check=True)


if __name__ == "__main__":
    app()
