"""Bring your own utterances, measured: one CLINC150 domain plays an app's
traffic. The workflow runs on a copy of the project with that domain held
out of the corpus (so neither teacher nor student sees it), then the student
is retrained with the domain's CLINC150 train and val requests as
`vars.utterances` (unlabeled), and both students are scored on the domain's
lines of the hand-annotated CLINC150 test set (data/natural_dev_clinc.txt)
and on every bucket.

    python -m experiments.own_utterances /tmp/own travel metrics

Writes metrics/own_utterances.{md,json}. About 40 minutes on 2 cores.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import typer
from spacy.util import load_config
from wasabi import msg

from spacy_coord.training.corpora import read_clinc150
from spacy_coord.training.evaluation import BUCKETS
from spacy_coord.training.splits import text_key

ROOT = Path(__file__).parents[1]
OWN_FILE = "own_utterances.txt"


def main(
    work: Path = typer.Argument(..., help="Folder for the copy of the project and its runs"),
    domain: str = typer.Argument("travel", help="CLINC150 domain that plays the app's traffic"),
    output_dir: Path = typer.Argument(ROOT / "metrics", help="Where own_utterances.{md,json} go"),
    shared: Path = typer.Option(ROOT.parent / "shared" / "corpora", exists=True, help="The corpora"),
) -> None:
    """Train without, then with, the domain's requests as your own utterances; score both."""
    import spacy

    work.mkdir(parents=True, exist_ok=True)
    for name in ("project.yml", "configs", "scripts", "experiments", "data"):
        source, target = ROOT / name, work / name
        shutil.rmtree(target, ignore_errors=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    load_config(ROOT / "configs" / "corpus.cfg", overrides={"corpus.unseen_domain": domain}).to_disk(
        work / "configs" / "corpus_held_out.cfg"
    )
    requests = [u.text for u in read_clinc150(shared / "clinc150", parts=["train", "val"]) if u.domain == domain]
    if not requests:
        msg.fail(f"No CLINC150 request of domain {domain!r}", exits=1)
    (work / OWN_FILE).write_text("".join(f"{text}\n" for text in requests), encoding="utf8")
    msg.info(f"{len(requests):,} {domain} requests of CLINC150 train and val in {work / OWN_FILE}")
    common = ["--vars.shared", str(shared.resolve()), "--vars.corpus_config", "configs/corpus_held_out.cfg"]
    results: Dict[str, Dict] = {}
    for arm, commands, extra in (
        ("without", ["all"], []),
        ("with", ["teach", "train", "evaluate"], ["--vars.utterances", OWN_FILE]),
    ):
        for command in commands:
            msg.info(f"{arm} your utterances: spacy project run {command}")
            subprocess.run(
                [sys.executable, "-m", "spacy", "project", "run", command, str(work), *common, *extra], check=True
            )
        evaluation = json.loads((work / "metrics" / "evaluation.json").read_text())
        nlp = spacy.load(work / "training" / "model-last")
        results[arm] = {
            "buckets": evaluation["spacy-coord"]["buckets"],
            "held_out": score_held_out(
                nlp, work / "corpus" / "eval" / "natural_dev_clinc.spacy", requests, shared, domain
            ),
        }
        if arm == "without":
            results["teacher"] = {"buckets": evaluation["spacy-coord trf"]["buckets"]}
    results["settings"] = {"domain": domain, "n_own_utterances": len(requests)}
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "own_utterances.json").write_text(json.dumps(results, indent=2))
    table = to_markdown(results)
    (output_dir / "own_utterances.md").write_text(table)
    print(table)


def score_held_out(nlp, gold_path: Path, requests: List[str], shared: Path, domain: str) -> Dict:
    """Exact match on the lines of natural_dev_clinc whose request is of `domain`."""
    from spacy.training import Example

    from spacy_coord.corpus import read_docbin
    from spacy_coord.scoring import score_coord

    test_domain = {text_key(u.text): u.domain for u in read_clinc150(shared / "clinc150", parts=["test"])}
    gold = [doc for doc in read_docbin(gold_path, nlp.vocab) if test_domain.get(text_key(doc.text)) == domain]
    examples = [Example(pred, ref) for pred, ref in zip(nlp.pipe(doc.text for doc in gold), gold)]
    return {"n": len(examples), "exact": score_coord(examples)["spans_coord_exact"]}


def to_markdown(results: Dict) -> str:
    domain = results["settings"]["domain"]
    rows = [
        f"| bucket | without your utterances | with {results['settings']['n_own_utterances']:,} {domain} requests |",
        "|---|---|---|",
    ]
    held = [results[arm]["held_out"] for arm in ("without", "with")]
    rows.append(
        f"| **{domain} lines of natural dev CLINC150 test** (n = {held[0]['n']}) | "
        + " | ".join(f"{h['exact']:.3f}" for h in held)
        + " |"
    )
    for bucket, label in BUCKETS.items():
        cells = [results[arm]["buckets"].get(bucket, {}).get("exact") for arm in ("without", "with")]
        if None not in cells:
            rows.append(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    typer.run(main)
