"""The Ray Data engine writes the same output as the local engine (local Ray, 2 CPUs)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from fake_pipeline import save_fake_pipeline  # noqa: E402
from test_annotate import FAKE_CODE, check_exactly_once, write_corpus, write_hostile_corpus  # noqa: E402
from test_annotate_workers import survivors, wait_for_output  # noqa: E402

from spacy_coord.annotate import AnnotateError, AnnotateOptions, annotate_file, errors_path_for  # noqa: E402
from spacy_coord.annotate.ray_engine import annotate_file_ray, plan_chunks  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    # Workers import fake_pipeline from here, and spacy_coord from where this process does.
    pythonpath = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level="warning",
        runtime_env={"env_vars": {"PYTHONPATH": pythonpath}},
    )
    yield
    ray.shutdown()


def test_plan_chunks(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\nbb\n\nccc\nd")
    chunks = plan_chunks(path, lines_per_chunk=2)
    assert [(c["start"], c["end"], c["line_no"]) for c in chunks] == [(0, 5, 1), (5, 10, 3), (10, 11, 5)]
    assert [
        (c["start"], c["line_no"]) for c in plan_chunks(path, start_offset=5, start_line=3, lines_per_chunk=10)
    ] == [(5, 3)]


def test_ray_equals_local(tmp_path, local_ray):
    src = tmp_path / "in.jsonl"
    n_valid = write_corpus(src, 400, bad_every=9)
    model = save_fake_pipeline(tmp_path / "model")
    local_out = tmp_path / "local.jsonl"
    annotate_file(spacy.load(model), src, local_out, AnnotateOptions(batch_size=32))
    ray_out = tmp_path / "ray.jsonl"
    summary = annotate_file_ray(
        str(model), src, ray_out, AnnotateOptions(batch_size=32), workers=2, code_path=FAKE_CODE, lines_per_chunk=50
    )
    assert summary.n_written == n_valid
    assert ray_out.read_bytes() == local_out.read_bytes()
    assert errors_path_for(ray_out).read_bytes() == errors_path_for(local_out).read_bytes()
    # resume on Ray after a crash that left 101 lines and half a line
    lines = local_out.read_bytes().splitlines(keepends=True)
    ray_out.write_bytes(b"".join(lines[:101]) + lines[101][:10])
    summary = annotate_file_ray(
        str(model), src, ray_out, AnnotateOptions(batch_size=32), workers=2, code_path=FAKE_CODE, lines_per_chunk=50
    )
    assert summary.n_done_before == 101 and summary.n_written == n_valid - 101
    assert ray_out.read_bytes() == local_out.read_bytes()
    assert errors_path_for(ray_out).read_bytes() == errors_path_for(local_out).read_bytes()


def test_ray_every_line_once_in_output_or_errors(tmp_path, local_ray):
    src = tmp_path / "in.jsonl"
    expected = write_hostile_corpus(src)
    model = save_fake_pipeline(tmp_path / "model")
    local_out = tmp_path / "local.jsonl"
    annotate_file(spacy.load(model), src, local_out, AnnotateOptions(batch_size=4))
    ray_out = tmp_path / "ray.jsonl"
    annotate_file_ray(
        str(model), src, ray_out, AnnotateOptions(batch_size=4), workers=1, code_path=FAKE_CODE, lines_per_chunk=7
    )
    check_exactly_once(ray_out, expected)
    assert ray_out.read_bytes() == local_out.read_bytes()
    assert errors_path_for(ray_out).read_bytes() == errors_path_for(local_out).read_bytes()


def test_ray_checks_the_pipeline_before_writing(tmp_path, local_ray):
    src = tmp_path / "in.jsonl"
    write_corpus(src, 5)
    model = save_fake_pipeline(tmp_path / "model")
    out = tmp_path / "out.jsonl"
    with pytest.raises(AnnotateError, match="--spans-key 'cord': no component of pipeline .* sets it"):
        annotate_file_ray(str(model), src, out, AnnotateOptions(spans_key="cord"), code_path=FAKE_CODE)
    (model / "tokenizer").write_bytes(b"damaged")
    with pytest.raises(AnnotateError, match="Can't load pipeline .* damaged"):
        annotate_file_ray(str(model), src, out, code_path=FAKE_CODE)
    assert not out.exists()


def descendants(pid: int) -> list:
    """Every process below `pid` (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file_:
                    parents[int(entry)] = int(file_.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, stack = [], [pid]
    while stack:
        below = stack.pop()
        children = [child for child, parent in parents.items() if parent == below]
        found += children
        stack += children
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_sigterm_shuts_down_the_ray_instance_the_run_started(tmp_path):
    """SIGTERM to a ray run: exit 143, and every Ray process it started ends."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 50000)
    model = save_fake_pipeline(tmp_path / "model", delay=0.002)
    cmd = [sys.executable, "-m", "spacy_coord", "annotate", str(src), str(out), "--model", str(model)]
    cmd += ["--code", FAKE_CODE, "--engine", "ray", "--workers", "1", "--chunk-lines", "500", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    wait_for_output(out, 1000)
    started = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        stdout, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the terminated run did not exit")
    assert proc.returncode == 143, stdout
    assert not survivors(started, 60), "Ray processes outlived the run"
