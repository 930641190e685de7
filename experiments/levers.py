"""Levers, measured on the one evaluation path: each lever is a small list
of overrides on top of the default, in one of three places:

- corpus: keys of configs/corpus.cfg (scripts/make_corpus.py builds the
  lever's corpus; its evaluation buckets are scored),
- train: `spacy train` settings of the config,
- decode: coord_chunker settings that only change decoding, given at
  `spacy.load` to trained pipelines (no training).

A lever set is a list of levers, the default first, and writes one report,
metrics/SET.{json,md,png} (`spacy_coord.training.report`), one row per
lever (the mean of its runs when it has several):

    python -m experiments.levers ablation corpus metrics              # model levers, short schedule
    python -m experiments.levers ablation_full corpus metrics --only "8 epochs (default 6)" --seeds 3
    python -m experiments.levers parallelism corpus metrics --pipeline training/model-last
    python -m experiments.levers ablation_full corpus metrics --render   # the tables again from the JSON

Trained pipelines are kept in --work-dir, so a rerun trains only what is
missing and scores everything again (`--score-only`: trains nothing);
runs in the JSON whose pipeline is gone keep their scores.
"""

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

import typer
from wasabi import msg

from spacy_coord.errors import Errors
from spacy_coord.training.evaluation import BUCKETS, load_pipeline, mean_buckets, pipeline_system, score_systems
from spacy_coord.training.report import write_report

ROOT = Path(__file__).parents[1]
COMPONENT = "components.coord_chunker"
ENCODER = f"{COMPONENT}.model.encoder"
EMBED = f"{ENCODER}.embed"
HEAD = f"{COMPONENT}.model.head"
CHECKPOINT = "model-last"  # the workflow's


@dataclass(frozen=True)
class Lever:
    """Overrides on top of the default (see the module docstring)."""

    corpus: Dict[str, str] = field(default_factory=dict)
    train: Dict[str, str] = field(default_factory=dict)
    decode: Dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LeverSet:
    """Levers scored together; the first is the default, the reference."""

    caption: str
    levers: Dict[str, Lever]
    # `spacy train` settings of every training of the set (a shorter schedule, say).
    train: Dict[str, str] = field(default_factory=dict)

    @property
    def decode_only(self) -> bool:
        return all(not lever.corpus and not lever.train for lever in self.levers.values())


def _weights(setting: str, default: float, others: Tuple[float, ...]) -> Dict[str, Lever]:
    """Levers of one decoding weight, the default first."""
    return {f"{setting} {w:g}": Lever(decode={setting: w}) for w in (default, *others)}


LEVER_SETS: Dict[str, LeverSet] = {
    "ablation": LeverSet(
        caption="Model levers on a short schedule: each trained for 2 epochs on 20,000 of the training docs "
        "(compare rows with each other, not with the full run).",
        train={"training.max_epochs": "2", "corpora.train.limit": "20000"},
        levers={
            "default (GloVe, characters, CRF)": Lever(),
            "random embeddings only (no GloVe)": Lever(train={"paths.vectors": "null", f"{EMBED}.vectors_width": "0"}),
            "no character CNN": Lever(train={f"{EMBED}.char_width": "0"}),
            # Rescoring by parallelism needs whole-sequence scores: CRF only.
            "argmax decoder": Lever(train={f"{HEAD}.decoder": '"argmax"'}, decode={"parallelism_weight": 0.0}),
            "domain-adversarial head (0.1)": Lever(
                train={f"{HEAD}.n_domains": "128", f"{HEAD}.adversarial_weight": "0.1"}
            ),
            "BiLSTM width 64": Lever(train={f"{ENCODER}.width": "64"}),
            "embedding width 32": Lever(train={f"{EMBED}.width": "32"}),
        },
    ),
    "ablation_full": LeverSet(
        caption="Data and model levers on the full schedule, each alone on top of the default "
        "(6 epochs, the last checkpoint).",
        levers={
            "default: 6 epochs, the last checkpoint of training": Lever(),
            # The negatives hold names shaped like short lists ("mac and cheese").
            "names-with-'and' negatives 4% (default 8%)": Lever(corpus={"corpus.mix.names_and": "0.04"}),
            "8 epochs (default 6)": Lever(train={"training.max_epochs": "8"}),
            # Capacity: the scope of a conjunct may need composition over the clause.
            "two BiLSTM layers (depth 2, default 1)": Lever(train={f"{ENCODER}.depth": "2"}),
            "two BiLSTM layers of width 96 (default one of 128)": Lever(
                train={f"{ENCODER}.depth": "2", f"{ENCODER}.width": "96"}
            ),
            # A constant learning rate is scored at its last checkpoint: a
            # smaller step may end nearer a minimum.
            "learning rate 0.001 (default 0.002)": Lever(train={"training.optimizer.learn_rate": "0.001"}),
        },
    ),
    "parallelism": LeverSet(
        caption="Weights of the rescoring by conjuncts alike in length (decoding only, the same trained pipelines).",
        levers=_weights("parallelism_weight", 0.5, (0.0, 0.25, 0.75, 1.0, 1.5, 2.0)),
    ),
    "similarity": LeverSet(
        caption="Weights of the rescoring by the likeness of conjuncts' last words (decoding only, "
        "the same trained pipelines).",
        levers=_weights("similarity_weight", 3.0, (0.0, 1.0, 2.0, 4.0, 6.0, 8.0)),
    ),
}


@dataclass(frozen=True)
class Run:
    """One pipeline scored for a lever."""

    name: str
    lever: str
    pipeline: Path
    eval_dir: Path
    corpus: Dict[str, str] = field(default_factory=dict)
    train: Dict[str, str] = field(default_factory=dict)
    seed: int = 0


def main(
    lever_set: str = typer.Argument(..., help="The levers to run: " + ", ".join(LEVER_SETS)),
    corpus: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="The default corpus (train/dev.spacy, eval/)"
    ),
    output_dir: Path = typer.Argument(..., help="Where SET.{json,md,png} go"),
    pipelines: List[Path] = typer.Option(
        [], "--pipeline", exists=True, help="Trained pipelines a decoding-only set decodes (several: their mean)"
    ),
    config: Path = typer.Option(ROOT / "configs" / "coord.cfg", exists=True, help="Default training config"),
    assets: Path = typer.Option(ROOT / "assets", help="The copied corpora, for levers of the corpus"),
    gold: str = typer.Option("", help="Reviewed lines the default corpus was built with (make_corpus.py --gold)"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline of the default config ('none': without)"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    work_dir: Path = typer.Option(Path("training/levers"), help="Where the levers' corpora and pipelines go"),
    only: List[str] = typer.Option([], help="Train only these levers (by name); the report shows every lever run"),
    seeds: int = typer.Option(1, help="Train each lever with training seeds 0 .. N-1"),
    augmentation_seeds: int = typer.Option(
        1, help="Also build each lever's corpus with augmentation seeds 1 .. N-1 and train once on each"
    ),
    rerun: bool = typer.Option(False, "--rerun", help="Train again pipelines that exist"),
    score_only: bool = typer.Option(False, "--score-only", help="Train nothing: score the runs whose pipelines exist"),
    render: bool = typer.Option(False, "--render", help="Only write SET.md and .png again from SET.json"),
) -> None:
    """Train what is missing, score every run, write the report."""
    if lever_set not in LEVER_SETS:
        msg.fail(Errors.E021.format(name=lever_set, names=", ".join(LEVER_SETS)), exits=1)
    levers = LEVER_SETS[lever_set]
    json_path = output_dir / f"{lever_set}.json"
    known = flat_runs(json.loads(json_path.read_text())) if json_path.exists() else {}
    if not render:
        if levers.decode_only and not pipelines:
            msg.fail(Errors.E022.format(name=lever_set), exits=1)
        runs = plan_runs(levers, corpus, pipelines, work_dir, only, seeds, augmentation_seeds)
        without = vectors.lower() in ("none", "null", "")
        base = {
            "paths.vectors": "null" if without else vectors,
            f"{EMBED}.vectors_width": "0" if without else str(vectors_width),
        }
        for run in runs:
            if not (levers.decode_only or score_only) and (rerun or not run.pipeline.exists()):
                train_run(run, config, corpus, assets, gold, {**base, **levers.train})
        known.update(score_runs(levers, runs))
    rows = lever_rows(levers, known)
    if not rows:
        msg.fail(f"No run of lever set {lever_set!r} in {json_path} to report", exits=1)
    print(write_report(rows, output_dir, lever_set, levers.caption, reference=next(iter(rows)), with_json=not render))


def plan_runs(
    levers: LeverSet,
    corpus: Path,
    pipelines: List[Path],
    work_dir: Path,
    only: List[str],
    seeds: int,
    augmentation_seeds: int,
) -> List[Run]:
    """Every run of the levers chosen: for a decoding-only set, each lever on
    each pipeline given; else each lever trained with training seeds
    0 .. seeds - 1 on its corpus, then with seed 0 on its corpora of
    augmentation seeds 1 .. augmentation_seeds - 1."""
    runs = []
    for name, lever in levers.levers.items():
        if only and name not in only:
            continue
        if levers.decode_only:
            for pipeline in pipelines:
                row = name if len(pipelines) == 1 else f"{name}, {pipeline}"
                runs.append(Run(row, name, pipeline, corpus / "eval"))
            continue
        variants = [(name if s == 0 else f"{name}, training seed {s}", s, lever.corpus) for s in range(seeds)]
        variants += [
            (f"{name}, augmentation seed {s}", 0, {**lever.corpus, "corpus.augment_seed": str(s)})
            for s in range(1, augmentation_seeds)
        ]
        for row, seed, corpus_overrides in variants:
            data = _slug(work_dir, "corpus " + " ".join(_args(corpus_overrides))) if corpus_overrides else corpus
            pipeline = _slug(work_dir, row) / "training" / CHECKPOINT
            runs.append(Run(row, name, pipeline, data / "eval", corpus_overrides, lever.train, seed))
    return runs


def train_run(run: Run, config: Path, corpus: Path, assets: Path, gold: str, common: Dict[str, str]) -> None:
    """Build the run's corpus (with the default's gold lines) if it has one
    of its own and is not built yet, then train."""
    data = run.eval_dir.parent
    if data != corpus and not (data / "train.spacy").exists():
        gold_args = ["--gold", gold] if gold else []
        _python([str(ROOT / "scripts" / "make_corpus.py"), str(assets), str(data), *gold_args, *_args(run.corpus)])
    settings = {
        "paths.train": str(data / "train.spacy"),
        "paths.dev": str(data / "dev.spacy"),
        "paths.names": str(data / "names.json"),
        "system.seed": str(run.seed),
        **common,
        **run.train,
    }
    msg.divider(run.name)
    _python([str(ROOT / "scripts" / "train.py"), str(config), str(run.pipeline.parent), *_args(settings)])


def score_runs(levers: LeverSet, runs: List[Run]) -> Dict[str, Dict[str, Any]]:
    """Score every run whose pipeline exists, the runs on the same evaluation
    buckets in one call, compared with the default's first run among them."""
    scored: Dict[str, Dict[str, Any]] = {}
    by_eval: Dict[Path, List[Run]] = {}
    for run in runs:
        if run.pipeline.exists():
            by_eval.setdefault(run.eval_dir, []).append(run)
        else:
            msg.warn(f"{run.name}: no trained pipeline in {run.pipeline}, not scored")
    for eval_dir, group in by_eval.items():
        systems = {run.name: _lazy_system(str(run.pipeline), levers.levers[run.lever].decode) for run in group}
        names = [run.name for run in group]
        reference = names[0] if group[0].lever == next(iter(levers.levers)) else None
        results = score_systems(systems, eval_dir, reference=reference)
        for run in group:
            lever = levers.levers[run.lever]
            scored[run.name] = {
                **results[run.name],
                "pipeline": str(run.pipeline),
                "corpus": run.corpus,
                "train": run.train,
                "decode": lever.decode,
                "seed": run.seed,
            }
    return scored


def _lazy_system(path: str, decode: Dict[str, float]):
    """A system that loads its pipeline when first called; one pipeline is
    kept loaded at a time (score_systems scores one system after another)."""
    decoding = tuple(sorted(decode.items()))
    return lambda texts: pipeline_system(_load(path, decoding))(texts)


@lru_cache(maxsize=1)
def _load(path: str, decoding: Tuple[Tuple[str, float], ...]):
    return load_pipeline(path, dict(decoding))


def flat_runs(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Run name -> run (with "buckets"), from a report this runner wrote
    (rows that are runs, or means holding their "runs"), or from the files
    the tools before it wrote: ablation_full's flat rows, and the decoding
    sweeps' {"setting", "exact": {weight: {bucket: exact}}}."""
    if "setting" in data and "exact" in data:
        return {
            f"{data['setting']} {float(weight):g}": {
                "buckets": {b: {"exact": e} for b, e in exact.items() if b in BUCKETS}
            }
            for weight, exact in data["exact"].items()
        }
    runs = {}
    for name, row in data.items():
        runs.update(row["runs"] if "runs" in row else {name: row})
    return runs


def lever_rows(levers: LeverSet, runs: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """One row per lever with runs, in the set's order: the run itself, or
    the mean of several (training seeds, corpus draws or pipelines)."""
    rows = {}
    for name in levers.levers:
        own = {row: run for row, run in runs.items() if row == name or row.startswith(f"{name}, ")}
        if len(own) == 1:
            rows[name] = next(iter(own.values()))
        elif own:
            mean = mean_buckets([run["buckets"] for run in own.values()])
            rows[f"{name} (mean of {len(own)} runs)"] = {"buckets": mean, "runs": own}
    return rows


def _args(overrides: Dict[str, str]) -> List[str]:
    """`--key value` command-line options of dotted settings."""
    return [arg for key, value in overrides.items() for arg in (f"--{key}", value)]


def _slug(work_dir: Path, row: str) -> Path:
    return work_dir / re.sub(r"\W+", "_", row).strip("_").lower()


def _python(command: List[str]) -> None:
    subprocess.run([sys.executable, *command], check=True)


if __name__ == "__main__":
    typer.run(main)
