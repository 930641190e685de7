"""The evaluation buckets, their targets and how a system is scored on them:
shared by the workflow's evaluation and benchmark steps and the research
tools in experiments/."""

import json
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from spacy.training import Example

from ..corpus import read_docbin
from ..scoring import exact_matches, paired_sign_test, score_coord

# In-distribution buckets, drawn by the project's own augmenter from the
# corpora it trains on: they show regressions, not generalization.
IN_HOUSE_BUCKETS = {
    "two": "2 conjuncts",
    "three": "3 conjuncts",
    "four_plus": "4+ conjuncts",
    "commas": "lists with commas",
    "unseen_domain": "unseen domain",
    "unseen_domain_2": "unseen domain, 2",
    "unseen_domain_3": "unseen domain, 3",
    "unseen_domain_4_plus": "unseen domain, 4+",
    "compound": "compound intents",
    "names_and": 'names with "and"',
    "names_and_asr": 'names with "and", lower case',
    "plain": "plain (no coordination)",
}
# The outside yardstick, made by nobody on this project from sources it does
# not train on: lists and plain requests on SLURP devel (slurp_dev/), the
# hand-written natural dev set and CLINC150 test requests.
OUTSIDE_BUCKETS = {
    "slurp_lists_2": "SLURP lists, 2",
    "slurp_lists_3": "SLURP lists, 3",
    "slurp_lists_4_plus": "SLURP lists, 4-5",
    "slurp_lists_3_commas": "SLURP lists, 3 with commas",
    "slurp_plain": "SLURP plain requests",
    "natural_dev": "natural dev",
    "natural_dev_clinc": "natural dev, CLINC150 test",
}
BUCKETS = {**IN_HOUSE_BUCKETS, **OUTSIDE_BUCKETS}
# The outside score, by which defaults are chosen: the mean exact match of
# these buckets (every outside set with something to find) ...
OUTSIDE_SCORE_BUCKETS = (
    "slurp_lists_2",
    "slurp_lists_3",
    "slurp_lists_4_plus",
    "slurp_lists_3_commas",
    "natural_dev",
    "natural_dev_clinc",
)
# ... with these as floors: a default must keep names whole and find nothing
# in plain requests (exact match at least this).
FLOORS = {"names_and": 0.80, "plain": 0.99, "slurp_plain": 0.99}
# Issue 11's targets of exact match. The project ranks levers by how far
# they fall short of them, summed over the buckets (`shortfall`).
TARGETS = {
    "natural_dev": 0.90,
    "unseen_domain_2": 0.90,
    "unseen_domain_3": 0.80,
    "unseen_domain_4_plus": 0.70,
    "compound": 0.85,
    "names_and": 0.90,
    "plain": 0.99,
}
# Rows scored on part of a bucket: name -> (bucket, test on the gold conjunct count).
SUB_BUCKETS = {
    "unseen_domain_2": ("unseen_domain", lambda n: n == 2),
    "unseen_domain_3": ("unseen_domain", lambda n: n == 3),
    "unseen_domain_4_plus": ("unseen_domain", lambda n: n >= 4),
}
# The buckets that have a gold file of their own.
FILE_BUCKETS = [bucket for bucket in BUCKETS if bucket not in SUB_BUCKETS]


def score_buckets(
    run: Callable[[List[str]], List], eval_dir: Path, vocab, matches: Optional[Dict[str, List[bool]]] = None
) -> Dict[str, Dict]:
    """Exact match and conjunct F1 per bucket of `run` (texts -> annotated
    docs). `matches`, if given, receives per bucket whether each utterance
    is an exact match."""

    def summary(examples: List[Example]) -> Dict:
        bucket_scores = score_coord(examples)
        return {"n": len(examples), "exact": bucket_scores["spans_coord_exact"], "f": bucket_scores["spans_coord_f"]}

    scores, examples = {}, {}
    for bucket in FILE_BUCKETS:
        if not (eval_dir / f"{bucket}.spacy").exists():
            continue
        gold = read_bucket(eval_dir, bucket, vocab)
        examples[bucket] = [Example(pred, ref) for pred, ref in zip(run([doc.text for doc in gold]), gold)]
        scores[bucket] = summary(examples[bucket])
        if matches is not None:
            matches[bucket] = exact_matches(examples[bucket])
    for name, (bucket, wanted) in SUB_BUCKETS.items():
        part = [eg for eg in examples.get(bucket, []) if wanted(len(eg.reference.spans["coord"]))]
        if part:
            scores[name] = summary(part)
            if matches is not None:
                matches[name] = exact_matches(part)
    return {bucket: scores[bucket] for bucket in BUCKETS if bucket in scores}


def paired_comparison(first: Dict[str, List[bool]], second: Dict[str, List[bool]]) -> Dict[str, Dict]:
    """Per bucket, the utterances that only the first or only the second
    system matches exactly, and the exact McNemar test's p-value of the split."""
    paired = {}
    for bucket, flags in first.items():
        only_first = sum(a and not b for a, b in zip(flags, second[bucket]))
        only_second = sum(b and not a for a, b in zip(flags, second[bucket]))
        paired[bucket] = {
            "only_first": only_first,
            "only_second": only_second,
            "p": paired_sign_test(only_first, only_second),
        }
    return paired


def outside_score(buckets: Dict[str, Dict]) -> Optional[float]:
    """The mean exact match of OUTSIDE_SCORE_BUCKETS (None unless all are scored)."""
    scores = [buckets.get(b, {}).get("exact") for b in OUTSIDE_SCORE_BUCKETS]
    return None if any(score is None for score in scores) else sum(scores) / len(scores)


def floors_missed(buckets: Dict[str, Dict]) -> List[str]:
    """The FLOORS buckets scored below their floor."""
    return [b for b, floor in FLOORS.items() if buckets.get(b, {}).get("exact", 1.0) < floor]


def shortfall(buckets: Dict[str, Dict]) -> Optional[float]:
    """How far exact match falls short of TARGETS, summed over the buckets
    scored (None when none of them is): 0 when every target is met."""
    scored = [
        (buckets[b]["exact"], target) for b, target in TARGETS.items() if buckets.get(b, {}).get("exact") is not None
    ]
    return sum(max(0.0, target - exact) for exact, target in scored) if scored else None


def read_bucket(eval_dir: Path, bucket: str, vocab) -> List:
    """The gold docs of one evaluation bucket (`eval_dir/<bucket>.spacy`)."""
    return read_docbin(eval_dir / f"{bucket}.spacy", vocab)


def size_mb(path: Path, exclude: Tuple[str, ...] = ()) -> float:
    """Size of a pipeline folder in MB, without the subfolders named in `exclude`."""
    files = [
        p for p in path.rglob("*") if p.is_file() and not any(part in exclude for part in p.relative_to(path).parts)
    ]
    return sum(p.stat().st_size for p in files) / 1e6


def train_minutes(train_time: Optional[Path]) -> Optional[float]:
    """Training time from the train_time.json of scripts/train.py, if there is one."""
    if train_time is None or not train_time.exists():
        return None
    return json.loads(train_time.read_text())["seconds"] / 60


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
        cells = [_exact_cell(result["buckets"].get(b, {}).get("exact")) for b in buckets]
        missing = shortfall(result["buckets"])
        cells.append("-" if missing is None else f"{missing:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _exact_cell(exact: Optional[float]) -> str:
    """An exact match in a table: "-" for a bucket not scored or empty."""
    return "-" if exact is None else f"{exact:.3f}"


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
    scores = numpy.array([[results[n]["buckets"].get(b, {}).get("exact", numpy.nan) for b in buckets] for n in names])
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
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=colour,
                    weight="bold" if i == 0 else "normal",
                )
    ax.set_xticks(range(len(buckets)), [BUCKETS[b] for b in buckets], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_title(f"{title}\n(first row: exact match; the others: difference from it)", fontsize=10)
    fig.savefig(path, dpi=120, bbox_inches="tight")
