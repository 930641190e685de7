"""Batch annotation: record conversion, bad lines, resume (in-process and after a kill)."""

import errno
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

from spacy_coord.annotate import AnnotateError, AnnotateOptions, annotate_file, errors_path_for, run_path_for
from spacy_coord.annotate.files import truncate_partial_line
from spacy_coord.annotate.lines import MAX_JSON_DEPTH, parse_line
from spacy_coord.annotate.records import doc_to_record

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
    assert parse_line(b'{"text": "a \\ud83d\\ude00 b"}', 6, 0).text == "a \U0001f600 b"
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


def said(result) -> str:
    """What the command printed, on one line (wasabi wraps long messages)."""
    return " ".join(result.output.split())


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
    annotate_file(nlp, src, ref, AnnotateOptions(batch_size=16))
    ref_lines = ref.read_text(encoding="utf8").splitlines(keepends=True)
    assert len(ref_lines) == n_valid
    ref_errors = errors_path_for(ref).read_text(encoding="utf8")
    # a crashed run: 123 complete lines, half a line, an errors file running ahead
    out = tmp_path / "out.jsonl"
    out.write_text("".join(ref_lines[:123]) + ref_lines[123][:20], encoding="utf8")
    errors_path_for(out).write_text(ref_errors + ref_errors[:30], encoding="utf8")
    run_path_for(out).write_bytes(run_path_for(ref).read_bytes())
    summary = annotate_file(nlp, src, out, AnnotateOptions(batch_size=16))
    assert summary.n_done_before == 123 and summary.n_written == n_valid - 123
    assert out.read_text(encoding="utf8") == "".join(ref_lines)
    assert errors_path_for(out).read_text(encoding="utf8") == ref_errors
    # a finished run: nothing to do
    assert annotate_file(nlp, src, out).n_written == 0
    assert out.read_text(encoding="utf8") == "".join(ref_lines)
    # n_process=2 gives the same output
    mp_out = tmp_path / "mp.jsonl"
    annotate_file(nlp, src, mp_out, AnnotateOptions(batch_size=32), n_process=2)
    assert mp_out.read_text(encoding="utf8") == "".join(ref_lines)


def test_resume_refuses_foreign_output(tmp_path, nlp):
    src = tmp_path / "in.jsonl"
    write_corpus(src, 20)
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": 999, "text": "something else"}) + "\n", encoding="utf8")
    errors_path_for(out).write_text("keep me\n", encoding="utf8")
    with pytest.raises(AnnotateError, match="Cannot resume .* is missing"):
        annotate_file(nlp, src, out)
    annotate_file(nlp, src, tmp_path / "other.jsonl")
    run_path_for(out).write_bytes(run_path_for(tmp_path / "other.jsonl").read_bytes())
    with pytest.raises(AnnotateError, match="Cannot resume: line 1 of the input does not match"):
        annotate_file(nlp, src, out)
    assert errors_path_for(out).read_text(encoding="utf8") == "keep me\n"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("out")) == [
        "out.jsonl",
        "out.jsonl.errors.jsonl",
        "out.jsonl.run.json",
    ]
    assert annotate_file(nlp, src, out, AnnotateOptions(overwrite=True)).n_written == 20


def test_truncate_partial_line(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a"')
    assert truncate_partial_line(path) == 4
    assert path.read_bytes() == b'{"a": 1}\n{"a": 2}\n'
    path.write_bytes(b"partial")
    truncate_partial_line(path)
    assert path.read_bytes() == b""


def annotate_cmd(src: Path, out: Path, model: Path, *extra: str) -> list:
    """The CLI command annotating SRC into OUT with MODEL (the fake pipeline's code), no progress bar."""
    model_args = ["--model", str(model), "--code", FAKE_CODE, "--no-progress"]
    return [sys.executable, "-m", "spacy_coord", "annotate", str(src), str(out), *model_args, *extra]


def test_kill_and_resume(tmp_path, slow_model, fake_model):
    """Kill a CLI run mid-way (SIGKILL), rerun it: exactly one line per valid input line."""
    src = tmp_path / "in.jsonl"
    n_valid = write_corpus(src, 2000, bad_every=11)
    out = tmp_path / "out.jsonl"
    cmd = annotate_cmd(src, out, slow_model, "--batch-size", "8")
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
    annotate_file(spacy.load(fake_model), src, ref, AnnotateOptions(batch_size=64))
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


# ---------------------------------------------------------------------------
# Hostile input (issue 42): every line ends up once in OUTPUT or in the errors file


def test_parse_line_rejects_what_cannot_be_read_or_written_back():
    huge_int = b'{"text": "x", "n": ' + b"9" * 5000 + b"}"
    assert "more than 4300 digits" in parse_line(huge_int, 1, 0).error
    deep = b"[" * 100_000 + b"]" * 100_000
    assert parse_line(deep, 2, 0).error == f"nested deeper than {MAX_JSON_DEPTH} levels"
    # Shallow enough to parse, too deep to be sure to parse at any call depth: rejected alike.
    deep_field = b'{"text": "x", "a": ' + b"[" * 500 + b"]" * 500 + b"}"
    assert parse_line(deep_field, 3, 0).error == f"nested deeper than {MAX_JSON_DEPTH} levels"
    just_deep_enough = b'{"text": "x", "a": ' + b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b"}"
    assert parse_line(just_deep_enough, 4, 0).error is None
    assert "NaN" in parse_line(b'{"text": "x", "v": NaN}', 5, 0).error
    assert "-Infinity" in parse_line(b'{"text": "x", "v": -Infinity}', 6, 0).error
    assert "too large" in parse_line(b'{"text": "x", "v": 1e400}', 7, 0).error
    assert parse_line(b'{"text": "x", "v": 1e300, "w": 1e-400}', 8, 0).record == {"text": "x", "v": 1e300, "w": 0.0}
    too_long = parse_line(b'{"text": "abcdef"}', 9, 0, max_length=5)
    assert "nlp.max_length (5" in too_long.error and "E088" in too_long.error
    assert "nlp.max_length" in parse_line(b"abcdef", 10, 0, input_format="text", max_length=5).error
    assert parse_line(b"abcde", 11, 0, input_format="text", max_length=5).text == "abcde"


HOSTILE_LINES = [
    (b'{"text": "x", "n": ' + b"9" * 5000 + b"}", "4300 digits"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
    (b'{"text": "x", "a": ' + b"[" * 500 + b"]" * 500 + b"}", "nested deeper"),
    (json.dumps({"text": "call mom and dad " * 60_000}).encode("utf8"), "nlp.max_length"),
    (b'{"text": "call mom and dad", "v": NaN}', "NaN"),
    (b'{"text": "call mom and dad", "v": Infinity}', "Infinity"),
    (b'{"text": "call mom and dad", "v": 1e400}', "too large"),
    (b"{broken", "not valid JSON"),
    (b'"just a string"', "not a JSON object"),
    (b'{"utt": "call mom and dad"}', "no field"),
    (b'{"text": 3}', "not a string"),
    (b'{"text": "\xff"}', "UTF-8"),
    (b'{"text": "a \\ud800 b"}', "surrogate"),
    (b"", None),
    (b"  \t ", None),
]


def write_hostile_corpus(path: Path) -> dict:
    """Good lines ({"id": its line number, "text": ...}) between one of every
    kind of bad line. Returns {line number: what the error says, "" for a good
    line, None for a blank one}."""
    expected, lines = {}, []
    for bad, reason in HOSTILE_LINES:
        for raw, why in (
            (json.dumps({"id": len(lines) + 1, "text": utterance(len(lines))}).encode("utf8"), ""),
            (bad, reason),
        ):
            lines.append(raw)
            expected[len(lines)] = why
    path.write_bytes(b"\n".join(lines) + b"\n")
    return expected


def check_exactly_once(out: Path, expected: dict) -> None:
    """Every non-blank input line is once in OUTPUT (in input order) or once in the errors file, with its reason."""
    ids = [r["id"] for r in read_jsonl(out)]
    errors = read_jsonl(errors_path_for(out))
    assert ids == [n for n, why in expected.items() if why == ""]
    assert [e["line"] for e in errors] == [n for n, why in expected.items() if why]
    assert all(expected[e["line"]] in e["error"] and len(e["input"]) <= 200 for e in errors)


def test_every_line_once_in_output_or_errors(tmp_path, nlp):
    src = tmp_path / "in.jsonl"
    expected = write_hostile_corpus(src)
    out = tmp_path / "out.jsonl"
    summary = annotate_file(nlp, src, out, AnnotateOptions(batch_size=4))
    check_exactly_once(out, expected)
    assert summary.n_blank == 2 and summary.n_errors == len(HOSTILE_LINES) - 2
    assert "Infinity" not in out.read_text(encoding="utf8") and "NaN" not in out.read_text(encoding="utf8")
    done, done_errors = out.read_bytes(), errors_path_for(out).read_bytes()
    # A rerun has nothing left to do; a crash mid-way resumes to the same bytes.
    assert annotate_file(nlp, src, out).n_written == 0
    for n_lines in (0, 3, 9):
        out.write_bytes(b"".join(done.splitlines(keepends=True)[:n_lines]) + b'{"id": 9')
        annotate_file(nlp, src, out, AnnotateOptions(batch_size=4))
        assert out.read_bytes() == done and errors_path_for(out).read_bytes() == done_errors


def test_text_longer_than_max_length_is_an_input_error(tmp_path, fake_model):
    nlp = spacy.load(fake_model)
    nlp.max_length = 20
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\nplease call mom and dad now\nplay jazz or rock\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    annotate_file(nlp, src, out)
    assert [r["text"] for r in read_jsonl(out)] == ["call mom and dad", "play jazz or rock"]
    (error,) = read_jsonl(errors_path_for(out))
    assert error["line"] == 2 and "nlp.max_length (20" in error["error"]
    assert nlp.max_length == 20
    # A resume with another limit would class lines otherwise: refused.
    nlp.max_length = 30
    with pytest.raises(AnnotateError, match="written with nlp.max_length=20, this run has nlp.max_length=30"):
        annotate_file(nlp, src, out)


# ---------------------------------------------------------------------------
# Nothing but OUTPUT, its errors file and its options file is ever written


@pytest.mark.parametrize("link", ["errors_file", "options_file", "hard_link", "symlink"])
def test_input_is_never_overwritten(tmp_path, fake_model, link):
    src = tmp_path / "notes.jsonl"
    content = (json.dumps({"text": "call mom and dad"}) + "\n").encode("utf8")
    if link == "errors_file":  # spacy-coord annotate notes.jsonl.errors.jsonl notes.jsonl
        src, out = tmp_path / "notes.jsonl.errors.jsonl", tmp_path / "notes.jsonl"
        src.write_bytes(content)
        args = [src, out]
    elif link == "options_file":
        src, out = tmp_path / "notes.jsonl.run.json", tmp_path / "notes.jsonl"
        src.write_bytes(content)
        args = [src, out, "--format", "jsonl"]
    else:
        src.write_bytes(content)
        out = tmp_path / "out.jsonl"
        (os.link if link == "hard_link" else os.symlink)(src, out)
        args = [src, out, "--overwrite"]
    result = run_in_process(*args, "--model", fake_model)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "which this run would overwrite" in said(result)
    assert src.read_bytes() == content
    with pytest.raises(AnnotateError, match="same file as"):
        annotate_file(spacy.load(fake_model), *args[:2], AnnotateOptions(overwrite=True))
    assert src.read_bytes() == content


def test_resume_with_other_options_is_refused(tmp_path, fake_model):
    src = tmp_path / "in.jsonl"
    write_corpus(src, 30)
    out = tmp_path / "out.jsonl"
    assert run_in_process(src, out, "--model", fake_model).exit_code == 0
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:10]))  # a run stopped after 10 lines
    for option, message in [
        (["--splits"], "it was written with no --splits, this run has --splits"),
        (["--field", "id"], "it was written with --field 'text', this run has --field 'id'"),
        (["--format", "text"], "it was written with --format 'jsonl', this run has --format 'text'"),
    ]:
        result = run_in_process(src, out, "--model", fake_model, *option)
        assert result.exit_code == 1, result.output
        assert message in said(result) and "--overwrite" in said(result)
        assert out.read_bytes() == b"".join(lines[:10])
    result = run_in_process(src, out, "--model", fake_model)
    assert result.exit_code == 0 and out.read_bytes() == b"".join(lines)
    result = run_in_process(src, out, "--model", fake_model, "--splits", "--overwrite")
    assert result.exit_code == 0 and all("splits" in r for r in read_jsonl(out))


@pytest.mark.parametrize("option,key", [("--spans-key", "cord"), ("--groups-key", "coord_group")])
def test_span_key_not_set_by_the_pipeline(tmp_path, fake_model, option, key):
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n", encoding="utf8")
    out = tmp_path / "out.jsonl"
    result = run_in_process(src, out, "--model", fake_model, option, key)
    assert result.exit_code == 1
    assert f"{option} '{key}': no component of pipeline '{fake_model}' sets it" in said(result)
    assert (
        "'coord' (by test_fake_coord)" if option == "--spans-key" else "'coord_groups' (by test_fake_coord)"
    ) in said(result)
    assert not out.exists() and not errors_path_for(out).exists()
    with pytest.raises(AnnotateError, match="no component of the pipeline declares"):
        annotate_file(spacy.blank("en"), src, out)
    assert not out.exists()


def test_unusable_output_folder_is_one_clear_error(tmp_path, fake_model):
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n", encoding="utf8")
    (tmp_path / "results").write_text("a file, not a folder", encoding="utf8")
    out = tmp_path / "results" / "out.jsonl"
    result = run_in_process(src, out, "--model", fake_model)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"Can't write {tmp_path / 'results'}" in said(result) and "not a folder" in said(result)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_one_clear_error(tmp_path, fake_model):
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n", encoding="utf8")
    folder = tmp_path / "results"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run_in_process(src, folder / "out.jsonl", "--model", fake_model)
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"Can't write {folder}" in said(result) and "permissions" in said(result)


class FullDisk:
    """A file whose writes fail with ENOSPC after the first one."""

    def __init__(self, file_):
        self._file, self.n_writes = file_, 0

    def write(self, text: str) -> int:
        self.n_writes += 1
        if self.n_writes > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._file.write(text)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def test_full_disk_is_one_clear_error_and_a_rerun_resumes(tmp_path, fake_model, nlp, monkeypatch):
    src = tmp_path / "in.jsonl"
    write_corpus(src, 300, bad_every=7)
    ref = tmp_path / "ref.jsonl"
    annotate_file(nlp, src, ref)
    out = tmp_path / "out.jsonl"
    real_open = Path.open

    def open_full(path, mode="r", *args, **kwargs):
        file_ = real_open(path, mode, *args, **kwargs)
        return FullDisk(file_) if path == out and mode == "a" else file_

    monkeypatch.setattr(Path, "open", open_full)
    result = run_in_process(src, out, "--model", fake_model, "--batch-size", "16")
    monkeypatch.undo()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"Can't write {out}: No space left on device" in said(result)
    assert 0 < len(read_jsonl(out)) < len(read_jsonl(ref))
    result = run_in_process(src, out, "--model", fake_model)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == ref.read_bytes()
    assert errors_path_for(out).read_bytes() == errors_path_for(ref).read_bytes()


def test_damaged_pipeline_is_one_clear_error(tmp_path, trained_nlp):
    model = tmp_path / "model"
    trained_nlp.to_disk(model)
    (model / "coord_chunker" / "cfg").write_text("[1]", encoding="utf8")
    src = tmp_path / "in.txt"
    src.write_text("call mom and dad\n", encoding="utf8")
    result = run_in_process(src, tmp_path / "out.jsonl", "--model", model)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    # The coded error of the component (E023) names the damaged file.
    assert f"Can't load pipeline '{model}' (ValueError: [E023]" in said(result) and "damaged" in said(result)
    assert str(model / "coord_chunker" / "cfg") in said(result)
    assert not (tmp_path / "out.jsonl").exists()


def test_byte_order_mark_at_the_start_of_the_file_only(tmp_path, nlp):
    """A UTF-8 BOM (Windows editors) before line 1 is dropped; elsewhere it is input."""
    bom = "\ufeff"
    src = tmp_path / "in.jsonl"
    src.write_text(bom + json.dumps({"text": "call mom and dad"}) + "\n" + bom + json.dumps({"text": "b"}) + "\n")
    out = tmp_path / "out.jsonl"
    summary = annotate_file(nlp, src, out)
    assert summary.n_written == 1 and summary.n_errors == 1
    assert read_jsonl(out)[0]["text"] == "call mom and dad"
    assert read_jsonl(errors_path_for(out))[0]["line"] == 2
    text = tmp_path / "in.txt"
    text.write_text(bom + "call mom and dad\n" + bom + "play jazz\n", encoding="utf8")
    annotate_file(nlp, text, tmp_path / "text.jsonl")
    assert [r["text"] for r in read_jsonl(tmp_path / "text.jsonl")] == ["call mom and dad", bom + "play jazz"]
    # a resume reads line 1 as the first run did
    assert annotate_file(nlp, src, out).n_written == 0
