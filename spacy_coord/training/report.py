"""The one report of every evaluation: NAME.json, NAME.md and NAME.png,
one table layout and one plot style whatever the systems are (pipelines,
checkpoints, levers, decoding weights). Rows are ranked by the outside
score; the outside buckets and the in-house (in-distribution) buckets are
two labeled sections of every table and plot."""

import json
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .evaluation import FLOORS, IN_HOUSE_BUCKETS, OUTSIDE_BUCKETS, OUTSIDE_SCORE_BUCKETS, floors_missed, outside_score
from .statistics import exact_match_interval

OUTSIDE = "outside"
IN_HOUSE = "in-house (in-distribution)"
# Section title -> bucket -> label, in the order tables and plots show them.
SECTIONS: Dict[str, Dict[str, str]] = {OUTSIDE: OUTSIDE_BUCKETS, IN_HOUSE: IN_HOUSE_BUCKETS}
# Below this p-value a system differs from the reference on the same utterances.
SIGNIFICANT = 0.05
# The outside score's own column (in the outside section).
SCORE = "outside_score"


def write_report(
    results: Dict[str, Dict[str, Any]],
    output_dir: Path,
    name: str,
    caption: str,
    reference: Optional[str] = None,
    sections: Dict[str, Dict[str, str]] = SECTIONS,
    with_json: bool = True,
) -> str:
    """Write NAME.json (the results, ranked, with their outside score and
    floors missed), NAME.md (the tables) and NAME.png (the plot).

    results (Dict[str, Dict[str, Any]]): Row name -> {"buckets": {bucket:
        {"exact", "n", "f"}}, ...}, as `score_systems` returns or an earlier
        NAME.json holds; "n" and "f" may be missing.
    output_dir (Path): Where the three files go.
    name (str): Their file name.
    caption (str): What the rows are, above the tables.
    reference (Optional[str]): The row the plot colours others against (by
        default the one the rows were compared with, else the first).
    sections (Dict[str, Dict[str, str]]): Title -> bucket -> label.
    with_json (bool): False to leave NAME.json as it is (tables rendered again
        from an earlier NAME.json).
    RETURNS (str): The markdown.
    """
    rows = ranked(results)
    reference = reference_row(rows, reference)
    output_dir.mkdir(parents=True, exist_ok=True)
    if with_json:
        (output_dir / f"{name}.json").write_text(json.dumps(rows, indent=2))
    table = to_markdown(rows, caption, reference, sections)
    (output_dir / f"{name}.md").write_text(table)
    plot(rows, output_dir / f"{name}.png", caption, reference, sections)
    return table


def ranked(results: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """The rows with their outside score and floors missed, highest outside
    score first; rows without one (not scored on every outside set) keep
    their order after those."""
    rows = {
        name: {**row, SCORE: outside_score(row["buckets"]), "floors_missed": floors_missed(row["buckets"])}
        for name, row in results.items()
    }
    order = sorted(rows, key=lambda name: -rows[name][SCORE] if rows[name][SCORE] is not None else 1.0)
    return {name: rows[name] for name in order}


def reference_row(rows: Dict[str, Dict[str, Any]], reference: Optional[str] = None) -> str:
    """`reference` if given, else the row the others were compared with, else the first row."""
    if reference is not None:
        return reference
    compared = [row["against"]["reference"] for row in rows.values() if "against" in row]
    return compared[0] if compared else next(iter(rows))


def to_markdown(
    rows: Dict[str, Dict[str, Any]],
    caption: str,
    reference: Optional[str] = None,
    sections: Dict[str, Dict[str, str]] = SECTIONS,
) -> str:
    """One table per section, one row per system (in the order of `rows`),
    one column per bucket scored; the outside section starts with the
    outside score and the mean conjunct F1 of the same buckets."""
    reference = reference_row(rows, reference)
    floors = "; ".join(f"{_label(b, sections)} {floor:.2f}" for b, floor in FLOORS.items())
    lines = [
        caption,
        "",
        f"Exact match per bucket. Rows ranked by the **outside score**, the mean exact match of "
        f"{'; '.join(_label(b, sections) for b in OUTSIDE_SCORE_BUCKETS)}. A row below a floor ({floors}) "
        f"says so. n: the bucket's utterances, ± the widest 95% interval of a rate on them (Wilson): "
        f"smaller differences can be chance. `*`: differs from {reference} on the same utterances "
        f"(exact McNemar test, p < {SIGNIFICANT:g}).",
    ]
    for title, labels in sections.items():
        buckets = _scored(rows, labels)
        if not buckets:
            continue
        score_cells = ["outside score", "outside F1"] if title == OUTSIDE else []
        lines += ["", f"**{title}**", ""]
        lines.append("| system | " + " | ".join(score_cells + [labels[b] for b in buckets]) + " |")
        lines.append("|---|" + "---|" * (len(score_cells) + len(buckets)))
        lines.append("| n | " + " | ".join([""] * len(score_cells) + [_size_cell(rows, b) for b in buckets]) + " |")
        for name, row in rows.items():
            cells = [_score_cell(row, sections), _fmt(outside_score(row["buckets"], "f"))] if score_cells else []
            cells += [_exact_cell(row, bucket) for bucket in buckets]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    extras = [_extras_line(name, row) for name, row in rows.items()]
    if any(extras):
        lines += [""] + [line for line in extras if line]
    return "\n".join(lines) + "\n"


def plot(
    rows: Dict[str, Dict[str, Any]],
    path: Path,
    title: str,
    reference: Optional[str] = None,
    sections: Dict[str, Dict[str, str]] = SECTIONS,
) -> None:
    """Exact match as a grid, one panel per section, rows as in the tables:
    each cell holds the row's score, coloured by its difference from the
    reference row (blue higher, red lower; the reference in bold)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy

    reference = reference_row(rows, reference)
    names = list(rows)
    panels: List[Tuple[str, List[Tuple[str, str]]]] = []
    for section, labels in sections.items():
        columns = [(bucket, labels[bucket]) for bucket in _scored(rows, labels)]
        if section == OUTSIDE and any(row[SCORE] is not None for row in rows.values()):
            columns.insert(0, (SCORE, "outside score"))
        if columns:
            panels.append((section, columns))
    width = sum(len(columns) for _, columns in panels)
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(0.7 * width + 4, 0.38 * len(names) + 2.2),
        width_ratios=[len(columns) for _, columns in panels],
        squeeze=False,
        layout="constrained",  # room for the two-line title above the panels' own
    )
    ref = names.index(reference)
    for k, (ax, (section, columns)) in enumerate(zip(axes[0], panels)):
        scores = numpy.array([[_value(rows[name], key) for key, _ in columns] for name in names], dtype=float)
        shown = numpy.nan_to_num(scores - scores[ref])
        shown[ref] = 0.0  # the reference in neutral colour
        ax.imshow(shown, cmap="RdBu", vmin=-0.15, vmax=0.15, aspect="auto")
        for i, j in numpy.ndindex(scores.shape):
            if not numpy.isnan(scores[i, j]):
                colour = "white" if abs(shown[i, j]) > 0.1 else "black"  # readable on dark cells
                weight = "bold" if i == ref else "normal"
                ax.text(j, i, f"{scores[i, j]:.2f}", ha="center", va="center", fontsize=7, color=colour, weight=weight)
        ax.set_xticks(range(len(columns)), [label for _, label in columns], rotation=35, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names if k == 0 else [""] * len(names), fontsize=8)
        ax.set_title(section, fontsize=9)
    axes[0][0].get_yticklabels()[ref].set_fontweight("bold")
    heading = textwrap.fill(title, 120)
    fig.suptitle(f"{heading}\nexact match; colour: difference from {reference} (blue higher, red lower)", fontsize=9)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _scored(rows: Dict[str, Dict[str, Any]], labels: Dict[str, str]) -> List[str]:
    """The buckets of a section that some row has scored, in the section's order."""
    return [b for b in labels if any(row["buckets"].get(b, {}).get("exact") is not None for row in rows.values())]


def _label(bucket: str, sections: Dict[str, Dict[str, str]]) -> str:
    return next((labels[bucket] for labels in sections.values() if bucket in labels), bucket)


def _value(row: Dict[str, Any], key: str) -> float:
    """A plot cell: the outside score or a bucket's exact match (NaN when missing)."""
    value = row[SCORE] if key == SCORE else row["buckets"].get(key, {}).get("exact")
    return float("nan") if value is None else value


def _size_cell(rows: Dict[str, Dict[str, Any]], bucket: str) -> str:
    """The bucket's size and the widest 95% interval of a rate on it (at 0.5)."""
    n = next((row["buckets"][bucket]["n"] for row in rows.values() if "n" in row["buckets"].get(bucket, {})), None)
    if not n:
        return "-"
    low, high = exact_match_interval(0.5, n)
    return f"{n} (±{(high - low) / 2:.2f})"


def _score_cell(row: Dict[str, Any], sections: Dict[str, Dict[str, str]]) -> str:
    cell = _fmt(row[SCORE])
    if row["floors_missed"]:
        cell += " (below the floor: " + ", ".join(_label(b, sections) for b in row["floors_missed"]) + ")"
    return cell


def _exact_cell(row: Dict[str, Any], bucket: str) -> str:
    cell = _fmt(row["buckets"].get(bucket, {}).get("exact"))
    paired = row.get("against", {}).get("buckets", {}).get(bucket)
    return cell + "*" if paired and paired["p"] < SIGNIFICANT else cell


def _extras_line(name: str, row: Dict[str, Any]) -> str:
    """Speed, size and training time of a row, where measured."""
    parts = []
    if "utterances_per_second" in row:
        parts.append(f"{row['utterances_per_second']:,.0f} utterances/s (1 thread)")
    if "model_mb" in row:
        parts.append(f"model {row['model_mb']:.1f} MB without vectors, {row['model_mb_with_vectors']:.1f} MB with")
    if row.get("train_minutes") is not None:
        parts.append(f"trained in {row['train_minutes']:.1f} minutes")
    return f"- **{name}**: " + "; ".join(parts) if parts else ""


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"
