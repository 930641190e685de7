"""Full-schedule ablation: the levers that need a full training run, each
alone on top of the default (a corpus built with other make_corpus.py
options, or a model setting), scored on every bucket:
metrics/ablation_full.{md,json,png}. 10-15 minutes a row on 2 cores.

Rows already in the JSON file are kept, so an interrupted run resumes, and
`--only` (re)runs single rows.
"""
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import typer
from wasabi import msg

from ablation import MODEL, plot, to_markdown
from evaluate import score_buckets

# name -> (make_corpus.py options, `spacy train` overrides); no options: the default corpus.
VARIANTS: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    "default": ([], {}),
    # The same data and config with another seed: how far rows move by chance.
    "default, training seed 1": ([], {"system.seed": "1"}),
    "without noun-phrase lists": (["--no-noun-phrase-lists"], {}),
    "compound requests framed ('can you ... please'), 50%": (["--compound-frame-share", "0.5"], {}),
    "names-with-'and' negatives 15% (default 8%)": (["--names-and-share", "0.15"], {}),
    "neighbor similarity of static vectors": ([], {f"{MODEL}.neighbor_similarity": "true"}),
    "coordination similarity of static vectors": ([], {f"{MODEL}.coordination_similarity": "true"}),
    "6 epochs (default 4)": ([], {"training.max_epochs": "6"}),
    "phrases after 30% of utterance-final lists ('... tomorrow')": (["--trailing-share", "0.3"], {}),
    "modifier lists ('cheap and direct flights') for 30% of noun-phrase slots": (["--modifier-share", "0.3"], {}),
    "both: phrases after lists and modifier lists": (["--trailing-share", "0.3", "--modifier-share", "0.3"], {}),
    # Self-training: the default model (`spacy project run train`) relabels
    # the natural coordinations where it is confident.
    "self-training (the default model's confident labels replace the parser's)": (
        ["--teacher", "training/model-best", "--teacher-min-score", "0.9"], {}
    ),
}


def main(
    config: Path = typer.Argument(..., exists=True, help="Default training config"),
    assets: Path = typer.Argument(..., exists=True, help="Folder with the copied corpora"),
    corpus: Path = typer.Argument(..., exists=True, help="The default corpus (train.spacy, dev.spacy, eval/)"),
    output_dir: Path = typer.Argument(..., help="Where ablation_full.{md,json,png} go"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline of the default config"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    max_epochs: int = typer.Option(4, help="Epochs per variant (the default config's)"),
    work_dir: Path = typer.Option(Path("training/ablation_full"), help="Where corpora and models of the variants go"),
    only: List[str] = typer.Option([], help="Run only these variants (by name)"),
) -> None:
    """Build, train and score every variant, then write the table and the plot."""
    import spacy

    results_path = output_dir / "ablation_full.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    for i, (name, (corpus_options, overrides)) in enumerate(VARIANTS.items()):
        if (only and name not in only) or (not only and name in results):
            continue
        msg.divider(f"{i + 1}/{len(VARIANTS)}: {name}")
        out = work_dir / re.sub(r"\W+", "_", name).strip("_").lower()
        data = corpus
        if corpus_options:
            data = out / "corpus"
            _run(["scripts/make_corpus.py", str(assets), str(data), *corpus_options])
        settings = {"paths.train": str(data / "train.spacy"), "paths.dev": str(data / "dev.spacy"),
                    "training.max_epochs": str(max_epochs), **overrides}
        args = [arg for key, value in settings.items() for arg in (f"--{key}", value)]
        _run(["scripts/train.py", str(config), str(out / "training"), "--vectors", vectors,
              "--vectors-width", str(vectors_width), *args])
        nlp = spacy.load(out / "training" / "model-best")
        buckets = score_buckets(lambda texts: list(nlp.pipe(texts)), data / "eval", nlp.vocab)
        # Re-read before writing: rows finished meanwhile by another run stay.
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results[name] = {"corpus_options": corpus_options, "overrides": overrides, "buckets": buckets}
        output_dir.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later variant fails
    results = {name: results[name] for name in VARIANTS if name in results}
    caption = f"Exact match per bucket; each variant trained on its full corpus for {max_epochs} epochs."
    table = to_markdown(results, caption)
    (output_dir / "ablation_full.md").write_text(table)
    plot(results, output_dir / "ablation_full.png", "Full-schedule ablation: exact match per bucket")
    print(table)


def _run(command: List[str]) -> None:
    subprocess.run([sys.executable, *command], check=True)


if __name__ == "__main__":
    typer.run(main)
