"""Bring your own utterances, measured: one CLINC150 domain plays an app's
traffic. It is taken out of the workflow's training data (the domain's
examples of corpus/train.spacy and dev.spacy, and its requests in
corpus/utterances.txt), a teacher is trained without it, and two students
are taught by that teacher: one without, one with the domain's CLINC150
train and val requests as your own utterances (unlabeled). Both are scored
on the domain's lines of the hand-annotated CLINC150 test requests
(data/natural_dev_clinc.txt, which nothing trains on) and on every bucket.

    python -m experiments.own_utterances corpus assets /tmp/own --domain travel

The settings (teacher steps, what the teacher labels, epochs, seed) are
project.yml's vars. Writes metrics/own_utterances.{md,json,png}. About 30
minutes on 2 cores (the two students train side by side, one thread each).
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import srsly
import typer
from wasabi import msg

from spacy_coord.corpus import read_docbin, write_docbin
from spacy_coord.domain import get_domain
from spacy_coord.training.corpora import read_clinc150
from spacy_coord.training.evaluation import load_pipeline, pipeline_system, read_bucket, score_systems
from spacy_coord.training.report import SECTIONS, write_report
from spacy_coord.training.splits import text_key

ROOT = Path(__file__).parents[1]
ARMS = ("without", "with")
# The bucket of the held-out domain's CLINC150 test requests.
HELD_OUT = "held_out"


def main(
    corpus: Path = typer.Argument(..., exists=True, file_okay=False, help="The workflow's corpus folder"),
    assets: Path = typer.Argument(..., exists=True, file_okay=False, help="The workflow's assets (clinc150/)"),
    work: Path = typer.Argument(..., help="Folder for the held-out data, the teacher and the students"),
    domain: str = typer.Option("travel", help="CLINC150 domain that plays the app's traffic"),
    vectors: Path = typer.Option(ROOT / "vectors" / "glove", exists=True, help="The workflow's vectors"),
    output_dir: Path = typer.Option(ROOT / "metrics", help="Where own_utterances.{json,md,png} go"),
) -> None:
    """Teacher and students without the domain; one student also with its requests as your own."""
    settings = srsly.read_yaml(ROOT / "project.yml")["vars"]
    clinc = read_clinc150(assets / "clinc150")
    in_domain = {text_key(u.text) for u in clinc if u.domain == domain}
    own = [u.text for u in clinc if u.domain == domain and u.uid.split("/")[1] in ("train", "val")]
    if not own:
        msg.fail(f"No CLINC150 request of domain {domain!r}", exits=1)
    work.mkdir(parents=True, exist_ok=True)
    for name in ("train", "dev"):
        docs = [doc for doc in read_docbin(corpus / f"{name}.spacy") if get_domain(doc) != domain]
        write_docbin(docs, work / f"{name}.spacy")
        msg.info(f"{name}: {len(docs):,} examples without {domain}")
    lines = (corpus / "utterances.txt").read_text(encoding="utf8").splitlines()
    (work / "utterances.txt").write_text("".join(f"{line}\n" for line in lines if text_key(line) not in in_domain))
    (work / "own_utterances.txt").write_text("".join(f"{text}\n" for text in own), encoding="utf8")
    msg.info(f"Your own utterances: {len(own):,} {domain} requests of CLINC150 train and val")
    seed, common = str(settings["seed"]), ["--paths.dev", str(work / "dev.spacy")]
    common += ["--paths.names", str(corpus / "names.json"), "--system.seed", seed]
    teacher = work / "teacher" / "model-last"
    if teacher.exists():  # a rerun goes on from the teacher it trained
        msg.info(f"Reusing the teacher in {teacher}")
    else:
        steps = str(settings["teacher_steps"])
        run(
            [ROOT / "scripts" / "train.py", ROOT / "configs" / settings["teacher_config"], work / "teacher"]
            + ["--paths.train", work / "train.spacy", *common, "--corpora.dev.limit", "1000"]
            + ["--training.max_epochs", "0", "--training.max_steps", steps, "--training.eval_frequency", steps]
            + ["--training.optimizer.learn_rate.total_steps", steps]
        )
    students = []
    for arm in ARMS:
        taught = work / f"taught_{arm}.spacy"
        own_option = ["--own-utterances", work / "own_utterances.txt"] if arm == "with" else []
        run(
            [ROOT / "scripts" / "teach.py", teacher, work / "train.spacy", work / "utterances.txt", corpus / "eval"]
            + [taught, "--n-examples", settings["teach_examples"], "--n-utterances", settings["teach_utterances"]]
            + own_option
        )
        command = [ROOT / "scripts" / "train.py", ROOT / "configs" / settings["config"], work / f"student_{arm}"]
        command += ["--vectors", vectors, "--vectors-width", settings["vectors_width"], "--paths.train", taught]
        command += [*common, "--training.max_epochs", settings["max_epochs"]]
        students.append(start(command, work / f"student_{arm}.log"))
    for process in students:
        if process.wait() != 0:
            msg.fail(f"A student's training failed: see {work}/student_*.log", exits=1)
    test_in_domain = {text_key(u.text) for u in clinc if u.domain == domain and u.uid.split("/")[1] == "test"}
    held_out = [
        doc for doc in read_bucket(corpus / "eval", "natural_dev_clinc") if text_key(doc.text) in test_in_domain
    ]
    paths = {f"student {arm} your utterances": work / f"student_{arm}" / "model-last" for arm in ARMS}
    paths["teacher"] = teacher
    systems = {name: pipeline_system(load_pipeline(str(path))) for name, path in paths.items()}
    results = score_systems(systems, corpus / "eval", reference=next(iter(systems)), extra={HELD_OUT: held_out})
    sections = {f"held out: {domain}": {HELD_OUT: f"{domain} requests of the CLINC150 test set"}, **SECTIONS}
    caption = (
        f"The student taught without and with {len(own):,} unlabeled {domain} requests (CLINC150 train and val) "
        f"as your own utterances, and their teacher; the {domain} domain is out of all their training data. "
        "One training run each."
    )
    print(write_report(results, output_dir, "own_utterances", caption, sections=sections))


def run(command: List) -> None:
    """Run a step of the experiment; stop when it fails."""
    subprocess.run([sys.executable, *map(str, command)], check=True)


def start(command: List, log: Path) -> subprocess.Popen:
    """Start a training on one thread, its output in `log`."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with log.open("w") as file_:
        return subprocess.Popen([sys.executable, *map(str, command)], stdout=file_, stderr=subprocess.STDOUT, env=env)


if __name__ == "__main__":
    typer.run(main)
