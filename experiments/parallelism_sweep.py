"""Score trained pipelines with several weights of a decoding setting of
the component (no retraining) on the dev split and on every evaluation
bucket: `parallelism_weight` (a rescoring by conjuncts alike in length)
writes metrics/parallelism.{md,json,png}, `similarity_weight` (conjuncts
alike in their last words) metrics/similarity.{md,json,png}.

Two picks are reported: the weight with the best exact match on the dev
split (dev.spacy, made from the training corpora like train.spacy), and the
one with the lowest shortfall from the targets (`evaluate.shortfall`) on the
evaluation buckets but natural dev, which stands for unseen speech and
chooses nothing. With several pipelines (training seeds of one config),
every score is their mean.
"""

import json
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

from spacy_coord.training.evaluation import BUCKETS, TARGETS, score_buckets, shortfall

DEV = "dev"
SHORTFALL = "shortfall"
UNSEEN_SPEECH = "natural_dev"
LABELS = {DEV: "dev split", **BUCKETS, SHORTFALL: "shortfall without natural dev"}
# Shortfalls closer than this are a tie: about one utterance of a 300-utterance bucket, over three pipelines.
SHORTFALL_TIE = 0.001
# setting -> (output file stem, what it rescores by, default weights)
SETTINGS = {
    "parallelism_weight": ("parallelism", "conjunct parallelism in length", "0,0.25,0.5,0.75,1,1.5,2"),
    "similarity_weight": ("similarity", "the likeness of conjuncts' last words", "0,1,2,3,4,6,8"),
}


def main(
    corpus: Path = typer.Argument(..., exists=True, help="Corpus folder: dev.spacy and eval/<bucket>.spacy"),
    output_dir: Path = typer.Argument(..., help="Where <setting stem>.{md,json,png} go"),
    models: List[Path] = typer.Argument(..., exists=True, help="Trained pipelines (e.g. one per training seed)"),
    setting: str = typer.Option("parallelism_weight", help="The decoding setting to sweep: " + " or ".join(SETTINGS)),
    weights: str = typer.Option("", help="Comma-separated weights to score (default: per setting)"),
) -> None:
    """Print and write exact match per weight, and the weights the dev split and the shortfall pick."""
    import spacy
    import torch
    from spacy.training import Example

    from spacy_coord.corpus import read_docbin
    from spacy_coord.scoring import score_coord

    if setting not in SETTINGS:
        raise typer.BadParameter(f"--setting must be one of {', '.join(SETTINGS)}, got {setting!r}")
    stem, _, default_weights = SETTINGS[setting]
    torch.set_num_threads(1)
    values = [float(w) for w in (weights or default_weights).split(",")]
    runs: Dict[float, List[Dict[str, Optional[float]]]] = {w: [] for w in values}
    for model in models:
        for weight in values:
            nlp = spacy.load(model, config={"components": {"coord_chunker": {setting: weight}}})
            run = lambda texts: list(nlp.pipe(texts, batch_size=256))  # noqa: E731
            scores = {bucket: s["exact"] for bucket, s in score_buckets(run, corpus / "eval", nlp.vocab).items()}
            dev = read_docbin(corpus / "dev.spacy", nlp.vocab)
            examples = [Example(pred, gold) for pred, gold in zip(run([doc.text for doc in dev]), dev)]
            scores[DEV] = score_coord(examples)["spans_coord_exact"]
            runs[weight].append(scores)
            msg.info(
                f"{model} {setting} {weight}: dev {_fmt(scores[DEV])}, natural dev {_fmt(scores.get(UNSEEN_SPEECH))}"
            )
    means = {w: {b: _mean([r[b] for r in rs]) for b in rs[0]} for w, rs in runs.items()}
    picks = pick_weights(means)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{stem}.json").write_text(
        json.dumps(
            {
                "setting": setting,
                "models": [str(m) for m in models],
                "best_weight": picks[DEV],
                "lowest_shortfall_weight": picks[SHORTFALL],
                "exact": {str(w): means[w] for w in values},
            },
            indent=2,
        )
    )
    table = _markdown(means, picks, setting, len(models))
    (output_dir / f"{stem}.md").write_text(table)
    _plot(means, picks, setting, output_dir / f"{stem}.png")
    print(table)
    msg.good(
        f"The dev split picks {setting} {picks[DEV]:g}, the shortfall {picks[SHORTFALL]:g}; "
        f"wrote {output_dir}/{stem}.md, .json and .png"
    )


def pick_weights(means: Dict[float, Dict[str, Optional[float]]]) -> Dict[str, float]:
    """Add each weight's shortfall from the targets without natural dev to
    `means` (weight -> bucket -> exact match), and return the weight with
    the best dev split and the smallest weight whose shortfall is within
    SHORTFALL_TIE of the lowest: the least change to decoding among ties."""
    for scores in means.values():
        scores[SHORTFALL] = shortfall(
            {b: {"exact": e} for b, e in scores.items() if b in TARGETS and b != UNSEEN_SPEECH}
        )
    known = {w: scores[SHORTFALL] for w, scores in means.items() if scores[SHORTFALL] is not None}
    lowest = min(known.values(), default=None)
    return {
        DEV: max(means, key=lambda w: means[w][DEV] or 0.0),
        SHORTFALL: min((w for w, value in known.items() if value <= lowest + SHORTFALL_TIE), default=min(means)),
    }


def _mean(scores: List[Optional[float]]) -> Optional[float]:
    """The mean of the scores that exist (a bucket without gold conjuncts to
    score has None)."""
    known = [score for score in scores if score is not None]
    return sum(known) / len(known) if known else None


def _fmt(score: Optional[float]) -> str:
    return "-" if score is None else f"{score:.3f}"


def _markdown(
    means: Dict[float, Dict[str, Optional[float]]], picks: Dict[str, float], setting: str, n_models: int
) -> str:
    buckets = [b for b in LABELS if b in next(iter(means.values()))]
    pipelines = f"mean of {n_models} pipelines" if n_models > 1 else "one pipeline"
    caption = (
        f"Exact match per `{setting}` ({pipelines}); **bold**: the weight the dev split picks, "
        "_italics_: the lowest shortfall from the targets without natural dev (the smallest weight among ties)."
    )
    lines = [
        caption,
        "",
        "| weight | " + " | ".join(LABELS[b] for b in buckets) + " |",
        "|---|" + "---|" * len(buckets),
    ]
    for weight, scores in means.items():
        name = f"{weight:g}"
        if weight == picks[SHORTFALL]:
            name = f"_{name}_"
        if weight == picks[DEV]:
            name = f"**{name}**"
        lines.append(f"| {name} | " + " | ".join(_fmt(scores[b]) for b in buckets) + " |")
    return "\n".join(lines) + "\n"


def _plot(means: Dict[float, Dict[str, Optional[float]]], picks: Dict[str, float], setting: str, path: Path) -> None:
    """Exact match against the weight, one line per bucket, the dev split in
    black; the shortfall on an axis of its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = list(means)
    fig, (ax, below) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, height_ratios=(3, 1))
    colours = plt.get_cmap("tab20").colors  # 13 lines: the default cycle of 10 repeats colours
    for i, bucket in enumerate([b for b in LABELS if b in means[weights[0]] and b != SHORTFALL]):
        style = {"color": "black", "linewidth": 2.5} if bucket == DEV else {"color": colours[i % 20], "linewidth": 1.2}
        points = [(w, means[w][bucket]) for w in weights if means[w][bucket] is not None]
        if points:
            ax.plot(*zip(*points), marker="o", markersize=3, label=LABELS[bucket], **style)
    below.plot(weights, [means[w][SHORTFALL] for w in weights], marker="o", color="firebrick")
    for axis in (ax, below):
        axis.axvline(picks[DEV], color="black", linestyle="--", linewidth=1)
        axis.axvline(picks[SHORTFALL], color="firebrick", linestyle=":", linewidth=1)
    ax.set_ylabel("exact match")
    below.set_ylabel("shortfall\n(no natural dev)")
    below.set_xlabel(f"{setting} (dashed: the dev split's pick; dotted: the shortfall's)")
    ax.set_title(f"Decoding with {SETTINGS[setting][1]}: exact match per weight")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.savefig(path, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    typer.run(main)
