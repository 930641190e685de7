"""Full-schedule ablation: settings that need a full training run, each
alone on top of the default (a corpus built with other settings of
configs/corpus.cfg, or other `spacy train` settings), scored on every
bucket: metrics/ablation_full.{md,json,png}.

Rows already in the JSON file are kept, so an interrupted run resumes
(`--rerun` runs them again, `--rescore` only scores their trained
pipelines again); `--only` runs single variants, and `--seeds N` trains
each with training seeds 0 .. N-1 and adds a table of the means.
`--augmentation-seeds N` varies the corpus draw instead: it builds each
variant's corpus again with augmentation seeds 1 .. N-1 (same splits and
evaluation buckets) and trains once on each.

Rows of settings that have left the code since are in metrics/ and docs/,
with the commit that still had them.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import typer
from wasabi import msg

from experiments.ablation import COMPONENT, ENCODER
from spacy_coord.training.evaluation import mean_exact, plot, score_buckets, to_markdown

# A variant: (make_corpus.py overrides of configs/corpus.cfg, `spacy train` overrides).
Variant = Tuple[Dict[str, str], Dict[str, str]]

# The checkpoint each row scores, named by this key among its overrides
# (not a `spacy train` setting): the end of training by default; the rows
# of _ON_BEST_CHECKPOINT scored the best on the dev split.
CHECKPOINT = "checkpoint"
DEFAULT_CHECKPOINT = "model-last"
CHECKPOINT_BEFORE = {CHECKPOINT: "model-best"}
# The epochs of training before the default 6: the rows of _ON_4_EPOCHS
# were trained so.
EPOCHS_BEFORE = {"training.max_epochs": "4"}
# Conjuncts rescored by their likeness in length alone, before the default
# also counted their last words: the rows of _ON_LENGTH_PARALLELISM were
# decoded so (decoding only).
SIMILARITY_BEFORE = {f"{COMPONENT}.similarity_weight": "0"}

# name -> variant, each decoded with SIMILARITY_BEFORE unless it says otherwise.
_ON_LENGTH_PARALLELISM: Dict[str, Variant] = {
    # The default before: silver labels of parties ("for me and my wife")
    # from the slot value, not from the parser.
    "silver labels of parties from the slot value ('for [me] and [my wife]') (the default before)": ({}, {}),
}

# name -> variant, each scored at the checkpoint best on the dev split (CHECKPOINT_BEFORE).
_ON_BEST_CHECKPOINT: Dict[str, Variant] = {
    # The default before: decoded with the rescoring by the likeness of
    # conjuncts' last words too.
    "conjuncts rescored by the likeness of their last words (similarity_weight 3), the checkpoint best on the dev split (the default before)": (
        {},
        {},
    ),
    "conjuncts rescored by their likeness in length at weight 0.75 (default 0.5)": (
        {},
        {f"{COMPONENT}.parallelism_weight": "0.75"},
    ),
    **{
        name: (corpus, {**SIMILARITY_BEFORE, **overrides})
        for name, (corpus, overrides) in _ON_LENGTH_PARALLELISM.items()
    },
}

# name -> variant, each trained for EPOCHS_BEFORE unless it says otherwise.
_ON_4_EPOCHS: Dict[str, Variant] = {
    # The default before: scored at the end of training.
    "the last checkpoint of training, not the best on the dev split, 4 epochs (the default before)": ({}, {}),
    **{name: (corpus, {**CHECKPOINT_BEFORE, **overrides}) for name, (corpus, overrides) in _ON_BEST_CHECKPOINT.items()},
}

VARIANTS: Dict[str, Variant] = {
    # The project's corpus, config and checkpoint.
    "default: 6 epochs, the last checkpoint of training": ({}, {}),
    # The negatives hold names shaped like short lists ("mac and cheese").
    "names-with-'and' negatives 4% (default 8%)": ({"corpus.mix.names_and": "0.04"}, {}),
    # Does the gain of more epochs at the last checkpoint go on?
    "8 epochs (default 6)": ({}, {"training.max_epochs": "8"}),
    # Capacity: the scope of a conjunct may need composition over the clause.
    "two BiLSTM layers (depth 2, default 1)": ({}, {f"{ENCODER}.depth": "2"}),
    # The same capacity for less of its cost in speed.
    "two BiLSTM layers of width 96 (default one of 128)": ({}, {f"{ENCODER}.depth": "2", f"{ENCODER}.width": "96"}),
    # A constant learning rate is scored at its last checkpoint: a smaller
    # step may end nearer a minimum.
    "learning rate 0.001 (default 0.002)": ({}, {"training.optimizer.learn_rate": "0.001"}),
    **{name: (corpus, {**EPOCHS_BEFORE, **overrides}) for name, (corpus, overrides) in _ON_4_EPOCHS.items()},
}


def main(
    config: Path = typer.Argument(..., exists=True, help="Default training config"),
    assets: Path = typer.Argument(..., exists=True, help="Folder with the copied corpora"),
    corpus: Path = typer.Argument(..., exists=True, help="The default corpus (train.spacy, dev.spacy, eval/)"),
    output_dir: Path = typer.Argument(..., help="Where ablation_full.{md,json,png} go"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline of the default config"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    max_epochs: int = typer.Option(
        6, help="Epochs of the default and of variants that do not set their own (the default config's)"
    ),
    work_dir: Path = typer.Option(Path("training/ablation_full"), help="Where corpora and models of the variants go"),
    only: List[str] = typer.Option([], help="Run only these variants (by name)"),
    seeds: int = typer.Option(
        1, help="Train each variant with training seeds 0 .. N-1 (rows '<variant>, training seed k')"
    ),
    augmentation_seeds: int = typer.Option(
        1,
        help="Also build each variant's corpus with augmentation seeds 1 .. N-1 (corpus.augment_seed; same splits and evaluation buckets) and train on each with training seed 0 (rows '<variant>, augmentation seed k')",
    ),
    rerun: bool = typer.Option(False, "--rerun", help="Train and score again rows already in the JSON file"),
    rescore: bool = typer.Option(
        False,
        "--rescore",
        help="Score rows already in the JSON file again with their trained pipelines, without training (after a bucket was added to their corpus)",
    ),
    gold: str = typer.Option(
        "",
        "--gold",
        help="Reviewed lines the default corpus was built with (make_corpus.py --gold), for every variant's corpus",
    ),
) -> None:
    """Build, train and score every variant, then write the tables and the plot."""
    import spacy

    results_path = output_dir / "ablation_full.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    built = {corpus}
    for i, (name, (corpus_overrides, overrides)) in enumerate(VARIANTS.items()):
        if only and name not in only:
            continue
        for row, seed, corpus_settings in variant_runs(name, corpus_overrides, seeds, augmentation_seeds):
            out = _slug(work_dir, row) / "training"
            checkpoint, train_overrides = split_checkpoint(overrides)
            pipeline = out / checkpoint
            rescoring = rescore and row in results and not rerun
            if row in results and not (rerun or rescoring):
                continue
            if rescoring and not pipeline.exists():
                msg.warn(f"{row}: no trained pipeline in {pipeline} to score again")
                continue
            msg.divider(f"{i + 1}/{len(VARIANTS)}: {row}")
            # Runs with the same corpus settings share their corpus.
            data = _slug(work_dir, "corpus " + " ".join(_args(corpus_settings))) if corpus_settings else corpus
            if not rescoring:
                if data not in built:  # built once per run, for all variants and seeds that use it
                    gold_options = ["--gold", gold] if gold else []
                    _run(["scripts/make_corpus.py", str(assets), str(data), *_args(corpus_settings), *gold_options])
                    built.add(data)
                settings = {
                    "paths.train": str(data / "train.spacy"),
                    "paths.dev": str(data / "dev.spacy"),
                    "paths.names": str(data / "names.json"),
                    "training.max_epochs": str(max_epochs),
                    "system.seed": str(seed),
                    **train_overrides,
                }
                _run(
                    [
                        "scripts/train.py",
                        str(config),
                        str(out),
                        "--vectors",
                        vectors,
                        "--vectors-width",
                        str(vectors_width),
                        *_args(settings),
                    ]
                )
            nlp = spacy.load(pipeline)
            buckets = score_buckets(lambda texts: list(nlp.pipe(texts)), data / "eval", nlp.vocab)
            # Re-read before writing: rows finished meanwhile by another run stay.
            results = json.loads(results_path.read_text()) if results_path.exists() else {}
            results[row] = {
                "corpus_overrides": corpus_settings,
                "overrides": overrides,
                "seed": seed,
                "buckets": buckets,
            }
            output_dir.mkdir(parents=True, exist_ok=True)
            results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later run fails
    rows = {
        row: results[row]
        for name, (corpus_overrides, _) in VARIANTS.items()
        for row, _, _ in variant_runs(name, corpus_overrides, MAX_SEEDS, MAX_SEEDS)
        if row in results
    }
    caption = (
        f"Exact match per bucket; each variant trained on its full corpus, the default for {max_epochs} epochs, "
        f"the rows run on earlier defaults for {EPOCHS_BEFORE['training.max_epochs']} unless they say otherwise."
    )
    table = to_markdown(rows, caption)
    means = seed_means(rows)
    if means:
        table += "\n" + to_markdown(
            means,
            "Mean exact match over the training seeds, or the augmentation seeds, of each variant run with several.",
        )
    (output_dir / "ablation_full.md").write_text(table)
    # The means when there are any: single runs differ by seed as much as by lever.
    plot(
        means or rows,
        output_dir / "ablation_full.png",
        "Full-schedule ablation: mean exact match over training seeds, or augmentation seeds"
        if means
        else "Full-schedule ablation: exact match",
    )
    print(table)


# Rows of more seeds than this are not shown.
MAX_SEEDS = 10


def seed_rows(name: str, seeds: int) -> List[Tuple[str, int]]:
    """(row name, training seed) of a variant: seed 0 under the variant's own
    name, seed k > 0 as "<name>, training seed k"."""
    return [(name if seed == 0 else f"{name}, training seed {seed}", seed) for seed in range(seeds)]


def augmentation_rows(name: str, seeds: int) -> List[Tuple[str, Dict[str, str]]]:
    """(row name, extra corpus overrides) of a variant's corpora with
    augmentation seeds 0 .. seeds - 1: seed 0 is the variant's own row."""
    extra = [(f"{name}, augmentation seed {seed}", {"corpus.augment_seed": str(seed)}) for seed in range(1, seeds)]
    return [(name, {})] + extra


def variant_runs(
    name: str, corpus_overrides: Dict[str, str], seeds: int, augmentation_seeds: int
) -> List[Tuple[str, int, Dict[str, str]]]:
    """(row name, training seed, corpus overrides) of every run of a variant:
    training seeds 0 .. seeds - 1 on its corpus, then training seed 0 on its
    corpora of augmentation seeds 1 .. augmentation_seeds - 1."""
    runs = [(row, seed, corpus_overrides) for row, seed in seed_rows(name, seeds)]
    extra = augmentation_rows(name, augmentation_seeds)[1:]
    return runs + [(row, 0, {**corpus_overrides, **overrides}) for row, overrides in extra]


def seed_means(rows: Dict[str, Dict]) -> Dict[str, Dict]:
    """Per variant with rows of several training seeds, or of several
    augmentation seeds, the mean exact match per bucket."""
    means = {}
    for name in VARIANTS:
        for kind, members in (
            ("seeds", [row for row, _ in seed_rows(name, MAX_SEEDS)]),
            ("augmentation seeds", [row for row, _ in augmentation_rows(name, MAX_SEEDS)]),
        ):
            runs = [rows[row]["buckets"] for row in members if row in rows]
            if len(runs) > 1:
                mean = {b: {"exact": exact} for b, exact in mean_exact(runs).items()}
                means[f"{name} ({len(runs)} {kind})"] = {"buckets": mean}
    return means


def split_checkpoint(overrides: Dict[str, str]) -> Tuple[str, Dict[str, str]]:
    """The checkpoint a row scores (its CHECKPOINT override, else
    DEFAULT_CHECKPOINT) and its `spacy train` overrides without that key."""
    return overrides.get(CHECKPOINT, DEFAULT_CHECKPOINT), {
        key: value for key, value in overrides.items() if key != CHECKPOINT
    }


def _args(overrides: Dict[str, str]) -> List[str]:
    """`--key value` command-line options of dotted settings."""
    return [arg for key, value in overrides.items() for arg in (f"--{key}", value)]


def _slug(work_dir: Path, row: str) -> Path:
    return work_dir / re.sub(r"\W+", "_", row).strip("_").lower()


def _run(command: List[str]) -> None:
    subprocess.run([sys.executable, *command], check=True)


if __name__ == "__main__":
    typer.run(main)
