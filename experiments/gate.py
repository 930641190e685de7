"""What the gate (`spacy_coord/gate.py`) costs, on every evaluation set.

The gold side: per set, the gold coordinations without a conjunction word
(lists joined by commas alone, actions joined by ", then") and those in
utterances the gate stops, which no pipeline with the gate can find. The
pipelines' side: exact match with the gate off and on, and the utterances
whose exact match it changes. Also the share of an app's traffic the gate
lets through (`--traffic`, JSONL with a "text" field).

    python -m experiments.gate corpus/eval metrics \\
        --pipeline "BiLSTM-CRF=training/model-last" --pipeline "trf=training_trf/model-last" \\
        --traffic assets/sgd/test.jsonl

Writes metrics/gate.{md,json}.
"""

import json
from pathlib import Path
from typing import Dict, List, Optional

import typer
from spacy.tokens import Doc

from spacy_coord.gate import CONJUNCTION_WORDS, PHRASES, has_coordinator_candidate
from spacy_coord.training.evaluation import (
    BUCKETS,
    FILE_BUCKETS,
    has_bucket,
    load_pipeline,
    named_path,
    pipeline_system,
    read_bucket,
    score_systems,
)

GATES = {"off": False, "on": True}


def main(
    eval_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="The evaluation buckets (corpus/eval)"),
    output_dir: Path = typer.Argument(..., help="Where gate.{md,json} go"),
    pipeline: List[str] = typer.Option([], help="NAME=PATH of a trained pipeline, scored with the gate off and on"),
    traffic: Optional[Path] = typer.Option(None, exists=True, help="JSONL of an app's traffic ('text')"),
) -> None:
    """Measure the gate's cost on the gold and on each pipeline's exact match."""
    import spacy

    nlp = spacy.blank("en")
    gold = {bucket: read_bucket(eval_dir, bucket, nlp.vocab) for bucket in FILE_BUCKETS if has_bucket(eval_dir, bucket)}
    results: Dict[str, Dict] = {"sets": {b: _gold_side(docs) for b, docs in gold.items()}, "pipelines": []}
    for spec in pipeline:
        name, path = named_path(spec, "--pipeline")
        results["pipelines"].append(name)
        systems = {key: pipeline_system(load_pipeline(path, {"gate": gate})) for key, gate in GATES.items()}
        scored = score_systems(systems, eval_dir, reference="off")
        paired = scored["on"]["against"]["buckets"]
        for bucket, row in results["sets"].items():
            row[name] = {
                "exact_off": scored["off"]["buckets"][bucket]["exact"],
                "exact_on": scored["on"]["buckets"][bucket]["exact"],
                "lost": paired[bucket]["only_second"],
                "gained": paired[bucket]["only_first"],
            }
    if traffic is not None:
        texts = [json.loads(line)["text"] for line in traffic.open(encoding="utf8")]
        passed = sum(has_coordinator_candidate(doc) for doc in nlp.tokenizer.pipe(texts))
        results["traffic"] = {"file": traffic.name, "n": len(texts), "passing": passed / len(texts)}
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "gate.json").write_text(json.dumps(results, indent=2))
    table = _markdown(results)
    (output_dir / "gate.md").write_text(table)
    print(table)


def _gold_side(docs: List[Doc]) -> Dict:
    """Utterances, gold coordinations, those without a conjunction word and
    those in utterances the gate stops; the share of utterances it passes."""
    passing = [has_coordinator_candidate(doc) for doc in docs]
    groups = [(doc, group, ok) for doc, ok in zip(docs, passing) for group in doc.spans.get("coord_groups", [])]
    return {
        "n": len(docs),
        "coordinations": len(groups),
        "without_conjunction_word": sum(not _has_conjunction(doc, group) for doc, group, _ in groups),
        "stopped": sum(not ok for _, _, ok in groups),
        "examples_stopped": [doc.text for doc, _, ok in groups if not ok],
        "passing": sum(passing) / max(1, len(docs)),
    }


def _has_conjunction(doc: Doc, group) -> bool:
    """Whether the tokens between a coordination's conjuncts hold a
    conjunction word or phrase (not only commas, "then")."""
    conjuncts = [span for span in doc.spans["coord"] if group.start <= span.start and span.end <= group.end]
    inside = {i for span in conjuncts for i in range(span.start, span.end)}
    words = [doc[i].lower_ for i in range(group.start, group.end) if i not in inside]
    text = " ".join(words)
    return any(word in CONJUNCTION_WORDS for word in words) or any(" ".join(p) in text for p in PHRASES)


def _markdown(results: Dict) -> str:
    names = results["pipelines"]
    header = ["set", "n", "gold coordinations", "without a conjunction word", "stopped by the gate", "passed"]
    header += [f"{name}: exact off → on (lost / gained)" for name in names]
    lines = [
        "Gold coordinations and exact match with the gate off and on (`spacy_coord/gate.py`).",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for bucket, row in results["sets"].items():
        cells = [BUCKETS[bucket], f"{row['n']:,}", str(row["coordinations"]), str(row["without_conjunction_word"])]
        cells += [str(row["stopped"]), f"{row['passing']:.1%}"]
        for name in names:
            change = row.get(name)
            cells.append(
                f"{change['exact_off']:.3f} → {change['exact_on']:.3f} ({change['lost']} / {change['gained']})"
                if change
                else "-"
            )
        lines.append("| " + " | ".join(cells) + " |")
    stopped = [text for row in results["sets"].values() for text in row["examples_stopped"]]
    lines += ["", f"Gold coordinations the gate stops: {len(stopped)}" + (":" if stopped else ".")]
    lines += [f"- {text}" for text in stopped]
    if "traffic" in results:
        traffic = results["traffic"]
        lines += [
            "",
            f"Traffic: the gate passes {traffic['passing']:.1%} of {traffic['n']:,} lines of {traffic['file']}.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    typer.run(main)
