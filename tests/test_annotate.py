"""Batch annotation: record conversion, bad lines, resume (in-process and after a kill)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy

from fake_pipeline import save_fake_pipeline
from spacy_coord.annotate import AnnotateError, annotate_file, errors_path_for
from spacy_coord.annotate.core import doc_to_record, parse_line, truncate_partial_line

FAKE_CODE = str(Path(__file__).parent / "fake_pipeline.py")
WORDS = ["mom", "dad", "jazz", "rock", "tea", "milk", "eggs", "bread", "ben", "jen"]


def utterance(i: int) -> str:
    a, b = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
    return [f"call {a} and {b}", f"play some {a}", f"add {a} or {b} to my list ü{i}"][i % 3]


def write_corpus(path: Path, n: int, bad_every: int = 0) -> int:
    """n lines; every `bad_every`-th line is invalid. Returns the number of valid lines."""
    n_valid = 0
    with path.open("w", encoding="utf8") as file_:
        for i in range(n):
            if bad_every and i % bad_every == bad_every - 1:
                file_.write(["{broken", json.dumps({"id": i}), json.dumps({"text": None, "id": i})][i % 3] + "\n")
            else:
                file_.write(json.dumps({"id": i, "text": utterance(i)}, ensure_ascii=False) + "\n")
                n_valid += 1
    return n_valid


def read_jsonl(path: Path):
    with path.open(encoding="utf8") as file_:
        return [json.loads(line) for line in file_]


@pytest.fixture(scope="module")
def fake_model(tmp_path_factory) -> Path:
    return save_fake_pipeline(tmp_path_factory.mktemp("fake") / "model")


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory) -> Path:
    return save_fake_pipeline(tmp_path_factory.mktemp("slow") / "model", delay=0.001)


@pytest.fixture(scope="module")
def nlp(fake_model):
    return spacy.load(fake_model)


def run_cli(*args, **kwargs) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "spacy_coord", "annotate", *map(str, args), "--code", FAKE_CODE, "--no-progress"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)


def test_parse_line_reasons():
    assert parse_line(b'{"text": "a and b", "k": 1}\n', 1, 0).record == {"text": "a and b", "k": 1}
    assert "not valid JSON" in parse_line(b"{oops\n", 2, 0).error
    assert "no field 'text'" in parse_line(b'{"utt": "x"}', 3, 0).error
    assert "not a string" in parse_line(b'{"text": 3}', 4, 0).error
    assert "not a string" in parse_line(b'{"text": null}', 4, 0).error
    assert "not a JSON object" in parse_line(b'"just a string"', 5, 0).error
    assert "UTF-8" in parse_line(b'{"text": "\xff"}', 6, 0).error
    assert "surrogate" in parse_line(b'{"text": "a \\ud800 b"}', 6, 0).error
    assert parse_line(b'{"text": "a \\ud83d\\ude00 b"}', 6, 0).text == "a \U0001F600 b"
    assert parse_line(b"  \r\n", 7, 0).is_blank
    assert parse_line(b'{"utt": "x"}', 8, 0, field="utt").text == "x"
    item = parse_line(b"call mom and dad\r\n", 9, 0, input_format="text")
    assert item.record == {"text": "call mom and dad"}


def test_doc_to_record(nlp):
    doc = nlp("please call mom and dad now")
    record = doc_to_record(doc, {"text": doc.text, "id": 7})
    assert record["id"] == 7
    assert [c["text"] for c in record["coord"]] == ["mom", "dad"]
    for c in record["coord"] + record["groups"]:
        assert doc.text[c["start"] : c["end"]] == c["text"]
    assert all(isinstance(c["score"], float) for c in record["coord"])
    assert record["groups"] == [{"start": 12, "end": 23, "text": "mom and dad"}]
    empty = doc_to_record(spacy.blank("en")("hello"), {"text": "hello"})
    assert empty["coord"] == [] and empty["groups"] == []


def test_bad_lines_cli(tmp_path, fake_model):
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"text": "call mom and dad", "id": "a"}),
        "{not json",
        json.dumps({"id": "no text"}),
        "",
        json.dumps({"text": 42}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "play jazz or rock", "id": "b", "meta": {"x": [1, 2]}}),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run_cli(src, out, "--model", fake_model)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "4 invalid input lines" in result.stdout
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["a", "b"]
    assert records[1]["meta"] == {"x": [1, 2]}
    assert [c["text"] for c in records[1]["coord"]] == ["jazz", "rock"]
    errors = read_jsonl(errors_path_for(out))
    assert [e["line"] for e in errors] == [2, 3, 5, 6]
    assert all(e["error"] for e in errors)
    # --strict: same run, non-zero exit; the errors file is not duplicated
    result = run_in_process(src, out, "--model", fake_model, "--strict")
    assert result.exit_code == 1
    assert [e["line"] for e in read_jsonl(errors_path_for(out))] == [2, 3, 5, 6]
    assert len(read_jsonl(out)) == 2


def run_in_process(*args):
    from typer.testing import CliRunner

    from spacy_coord.cli import app

    return CliRunner().invoke(app, ["annotate", *map(str, args), "--no-progress"])


def test_plain_text_and_actionable_errors(tmp_path, fake_model):
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n\nplay jazz\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run_in_process(src, out, "--model", fake_model, "--field", "utterance")
    assert result.exit_code == 0, result.output
    assert [r["utterance"] for r in read_jsonl(out)] == ["call mom and dad", "play jazz"]
    assert "Skipped 1 blank lines" in result.output
    result = run_in_process(tmp_path / "missing.jsonl", out, "--model", fake_model)
    assert result.exit_code == 1 and "Input file not found" in result.output
    result = run_in_process(src, tmp_path / "o2.jsonl", "--model", tmp_path / "no_model")
    assert result.exit_code == 1 and "Can't find pipeline" in result.output
    result = run_in_process(src, out, "--model", fake_model, "--field", "other")
    assert result.exit_code == 1 and "Cannot resume" in result.output and "--overwrite" in result.output


def test_resume_in_process(tmp_path, nlp):
    src = tmp_path / "in.jsonl"
    n_valid = write_corpus(src, 500, bad_every=7)
    ref = tmp_path / "ref.jsonl"
    annotate_file(nlp, src, ref, batch_size=16)
    ref_lines = ref.read_text(encoding="utf8").splitlines(keepends=True)
    assert len(ref_lines) == n_valid
    ref_errors = errors_path_for(ref).read_text(encoding="utf8")
    # a crashed run: 123 complete lines, half a line, an errors file running ahead
    out = tmp_path / "out.jsonl"
    out.write_text("".join(ref_lines[:123]) + ref_lines[123][:20], encoding="utf8")
    errors_path_for(out).write_text(ref_errors + ref_errors[:30], encoding="utf8")
    summary = annotate_file(nlp, src, out, batch_size=16)
    assert summary.n_done_before == 123 and summary.n_written == n_valid - 123
    assert out.read_text(encoding="utf8") == "".join(ref_lines)
    assert errors_path_for(out).read_text(encoding="utf8") == ref_errors
    # a finished run: nothing to do
    assert annotate_file(nlp, src, out).n_written == 0
    assert out.read_text(encoding="utf8") == "".join(ref_lines)
    # n_process=2 gives the same output
    mp_out = tmp_path / "mp.jsonl"
    annotate_file(nlp, src, mp_out, batch_size=32, n_process=2)
    assert mp_out.read_text(encoding="utf8") == "".join(ref_lines)


def test_resume_refuses_foreign_output(tmp_path, nlp):
    src = tmp_path / "in.jsonl"
    write_corpus(src, 20)
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": 999, "text": "something else"}) + "\n", encoding="utf8")
    errors_path_for(out).write_text("keep me\n", encoding="utf8")
    with pytest.raises(AnnotateError, match="Cannot resume"):
        annotate_file(nlp, src, out)
    assert errors_path_for(out).read_text(encoding="utf8") == "keep me\n"
    assert annotate_file(nlp, src, out, overwrite=True).n_written == 20


def test_truncate_partial_line(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a"')
    assert truncate_partial_line(path) == 4
    assert path.read_bytes() == b'{"a": 1}\n{"a": 2}\n'
    path.write_bytes(b"partial")
    truncate_partial_line(path)
    assert path.read_bytes() == b""


def test_kill_and_resume(tmp_path, slow_model, fake_model):
    """Kill a CLI run mid-way (SIGKILL), rerun it: exactly one line per valid input line."""
    src = tmp_path / "in.jsonl"
    n_valid = write_corpus(src, 2000, bad_every=11)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "spacy_coord", "annotate", str(src), str(out), "--model", str(slow_model),
           "--code", FAKE_CODE, "--batch-size", "8", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 20000):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # as if the kill had hit mid-write
    with out.open("a", encoding="utf8") as file_:
        file_.write('{"id": 12345, "text": "half a li')
    n_before = out.read_text(encoding="utf8").count("\n")
    assert 0 < n_before < n_valid, "the run was not killed mid-way"
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Resuming" in result.stdout
    records = read_jsonl(out)
    expected = [parse_line(line.encode("utf8"), 0, 0).record for line in src.read_text(encoding="utf8").splitlines()]
    expected = [r for r in expected if r is not None]
    assert len(records) == n_valid
    assert [r["id"] for r in records] == [r["id"] for r in expected]
    assert all(r["text"] == e["text"] for r, e in zip(records, expected))
    errors = read_jsonl(errors_path_for(out))
    assert [e["line"] for e in errors] == [i + 1 for i in range(2000) if i % 11 == 10]
    # byte-identical to an uninterrupted run
    ref = tmp_path / "ref.jsonl"
    annotate_file(spacy.load(fake_model), src, ref, batch_size=64)
    assert out.read_bytes() == ref.read_bytes()
    assert errors_path_for(out).read_bytes() == errors_path_for(ref).read_bytes()


def test_splits_option(tmp_path, fake_model):
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run_in_process(src, out, "--model", fake_model, "--splits")
    assert result.exit_code == 0, result.output
    (record,) = read_jsonl(out)
    assert isinstance(record["splits"], list)
