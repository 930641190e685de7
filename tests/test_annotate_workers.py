"""The local engine's worker processes (`--n-process 2`): they end when the
run stops early, die with their parent, and fail loudly.

Each run is a subprocess with a timeout: a hang fails the test instead of
hanging the suite."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from fake_pipeline import save_fake_pipeline
from spacy.language import Language
from test_annotate import annotate_cmd as base_annotate_cmd

from spacy_coord.annotate import AnnotateOptions, annotate_file
from spacy_coord.annotate.workers import WorkerError

TIMEOUT = 120


def write_long_corpus(path: Path, n: int) -> None:
    """n lines of about 400 characters: enough output to fill any pipe."""
    words = " ".join(f"mom and dad {i}" for i in range(30))
    with path.open("w", encoding="utf8") as file_:
        for i in range(n):
            file_.write(json.dumps({"id": i, "text": f"call {words} {i}"}) + "\n")


def annotate_cmd(src: Path, out: Path, model: Path, *extra: str) -> list:
    """The CLI command of `test_annotate.annotate_cmd` with two worker processes."""
    return base_annotate_cmd(src, out, model, "--n-process", "2", *extra)


def children_of(pid: int) -> list:
    """The pids whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file_:
                    fields = file_.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file_:
            return file_.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def survivors(pids: list, timeout: float) -> list:
    """Wait up to `timeout` seconds for the processes to end; SIGKILL and
    return those still alive, so that a failing test leaves none behind."""
    deadline = time.time() + timeout
    while time.time() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    left = [pid for pid in pids if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def wait_for_output(out: Path, size: int) -> None:
    deadline = time.time() + TIMEOUT
    while time.time() < deadline and (not out.exists() or out.stat().st_size < size):
        time.sleep(0.05)
    assert out.exists() and out.stat().st_size >= size, "the run wrote nothing"


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory) -> Path:
    return save_fake_pipeline(tmp_path_factory.mktemp("slow") / "model", delay=0.002)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE as on Linux")
def test_full_file_stops_two_processes_with_one_error(tmp_path):
    """`ulimit -f 300` with -n 2: exit 1 naming the file, as with -n 1 (it hung)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_long_corpus(src, 5000)
    model = save_fake_pipeline(tmp_path / "model")

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (300 * 1024, 300 * 1024))

    result = subprocess.run(
        annotate_cmd(src, out, model), capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=limit_file_size
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Can't write {out}: File too large" in " ".join(result.stdout.split())


@pytest.mark.parametrize("signum,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_two_processes(tmp_path, slow_model, signum, status):
    """Ctrl-C or SIGTERM to a run with -n 2: it exits, its workers with it (it hung)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_long_corpus(src, 20000)
    proc = subprocess.Popen(annotate_cmd(src, out, slow_model), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_output(out, 10000)
    workers = children_of(proc.pid)
    proc.send_signal(signum)
    try:
        stdout, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the interrupted run did not exit")
    assert proc.returncode == status, stdout
    assert b"rerun the same command to resume" in b" ".join(stdout.split())
    assert not [pid for pid in workers if alive(pid)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_workers_die_with_their_parent(tmp_path, slow_model):
    """SIGKILL of the run with -n 2: its workers end too (they stayed forever)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_long_corpus(src, 20000)
    proc = subprocess.Popen(annotate_cmd(src, out, slow_model), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_output(out, 10000)
    workers = children_of(proc.pid)
    assert len(workers) >= 2
    proc.kill()
    proc.wait()
    assert not survivors(workers, TIMEOUT), "workers outlived their parent"


class Failing:
    def __call__(self, doc):
        if "boom" in doc.text:
            raise RuntimeError("the pipeline broke on boom")
        doc.spans["coord"] = []
        doc.spans["coord_groups"] = []
        return doc


@Language.factory("test_failing_coord")
def make_failing(nlp, name):
    component = Failing()
    component.cfg = {"spans_key": "coord", "groups_key": "coord_groups"}
    return component


def test_a_failing_pipeline_stops_the_run_with_its_traceback(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("test_failing_coord")
    src = tmp_path / "in.txt"
    src.write_text("".join(f"line {i}\n" for i in range(100)) + "boom\n", encoding="utf8")
    with pytest.raises(WorkerError, match="the pipeline broke on boom"):
        annotate_file(nlp, src, tmp_path / "out.jsonl", AnnotateOptions(batch_size=8), n_process=2)
    assert (tmp_path / "out.jsonl").read_text(encoding="utf8").count("\n") == 96


def test_two_processes_write_what_one_writes(tmp_path):
    src = tmp_path / "in.jsonl"
    write_long_corpus(src, 300)
    src.write_text(src.read_text(encoding="utf8") + "{broken\n\n", encoding="utf8")
    nlp = spacy.load(save_fake_pipeline(tmp_path / "model"))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    progress = []
    annotate_file(nlp, src, one, AnnotateOptions(batch_size=7))
    summary = annotate_file(nlp, src, two, AnnotateOptions(batch_size=7), n_process=2, on_progress=progress.append)
    assert two.read_bytes() == one.read_bytes()
    assert summary.n_written == 300 and summary.n_errors == 1 and summary.n_blank == 1
    assert sum(progress) == 302
