"""The one evaluation path: systems scored on the buckets (score_systems)
and the one report of them (write_report)."""

import json

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_coord.corpus import make_gold_doc
from spacy_coord.training.evaluation import (
    FLOORS,
    OUTSIDE_SCORE_BUCKETS,
    named_path,
    outside_score,
    score_systems,
)
from spacy_coord.training.report import IN_HOUSE, OUTSIDE, ranked, write_report

NLP = spacy.blank("en")
# bucket -> (text, gold conjuncts as character offsets)
GOLD = {
    "natural_dev": [
        ("call mom or dad", [(5, 8), (12, 15)]),
        ("play simon and garfunkel", []),
        ("buy milk and eggs", [(4, 8), (13, 17)]),
    ],
    "unseen_domain": [
        ("book rome and oslo", [(5, 9), (14, 18)]),
        ("book rome madrid and oslo", [(5, 9), (10, 16), (21, 25)]),
    ],
}


@pytest.fixture
def eval_dir(tmp_path):
    for bucket, lines in GOLD.items():
        docs = [make_gold_doc(NLP, text, conjuncts=spans) for text, spans in lines]
        DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / f"{bucket}.spacy")
    return tmp_path


def _system(answers):
    """A system that predicts `answers[text]` (character offsets), else nothing."""

    def run(texts):
        return [make_gold_doc(NLP, text, conjuncts=answers.get(text, [])) for text in texts]

    return run


def _gold_answers():
    return {text: spans for lines in GOLD.values() for text, spans in lines}


def test_systems_are_scored_per_bucket_and_compared_utterance_by_utterance(eval_dir):
    oracle = _gold_answers()
    silent = {}  # finds nothing: right only where there is nothing to find
    results = score_systems({"oracle": _system(oracle), "silent": _system(silent)}, eval_dir, reference="oracle")
    assert results["oracle"]["buckets"]["natural_dev"] == {"n": 3, "exact": 1.0, "f": 1.0}
    assert results["silent"]["buckets"]["natural_dev"]["exact"] == pytest.approx(1 / 3)
    assert results["silent"]["matches"]["natural_dev"] == "010"
    # Rows of part of a bucket, by the number of gold conjuncts.
    assert results["oracle"]["buckets"]["unseen_domain_2"]["n"] == 1
    assert results["oracle"]["buckets"]["unseen_domain_3"]["n"] == 1
    assert "against" not in results["oracle"]
    against = results["silent"]["against"]
    assert against["reference"] == "oracle"
    assert against["buckets"]["natural_dev"]["only_first"] == 0
    assert against["buckets"]["natural_dev"]["only_second"] == 2


def test_an_extra_bucket_is_scored_beside_the_files(eval_dir):
    extra = {"held_out": [make_gold_doc(NLP, "tea or coffee", conjuncts=[(0, 3), (7, 13)])]}
    results = score_systems({"silent": _system({})}, eval_dir, extra=extra)
    assert results["silent"]["buckets"]["held_out"]["exact"] == 0.0


def test_a_reference_that_is_no_system_is_named(eval_dir):
    with pytest.raises(ValueError, match="E020.*'parser'"):
        score_systems({"oracle": _system({})}, eval_dir, reference="parser")


@pytest.mark.parametrize("spec", ["training/model-last", "name=/no/such/folder", "=/tmp"])
def test_a_pipeline_option_must_be_name_and_path(spec):
    with pytest.raises(ValueError, match="E019.*--pipeline"):
        named_path(spec, "--pipeline")


def test_names_may_hold_an_equals_sign(tmp_path):
    assert named_path(f"student, weight=1={tmp_path}", "--pipeline") == ("student, weight=1", str(tmp_path))


def _row(outside, names_and=0.9):
    buckets = {b: {"exact": outside, "n": 100} for b in OUTSIDE_SCORE_BUCKETS}
    buckets["names_and"] = {"exact": names_and, "n": 300}
    return {"buckets": buckets}


def test_rows_are_ranked_by_the_outside_score_and_floors_flagged():
    rows = ranked({"old": {"buckets": {"two": {"exact": 0.9}}}, "low": _row(0.5), "high": _row(0.7, names_and=0.5)})
    assert list(rows) == ["high", "low", "old"]  # a row without an outside score comes last
    assert rows["high"]["outside_score"] == pytest.approx(0.7)
    assert rows["high"]["floors_missed"] == ["names_and"] and rows["low"]["floors_missed"] == []
    assert rows["old"]["outside_score"] is None
    assert outside_score(_row(0.5)["buckets"], "f") is None  # F1 not scored
    assert set(FLOORS) <= {"names_and", "plain", "slurp_plain"}


def test_one_report_of_two_sections(tmp_path):
    results = {"low": _row(0.5), "high": _row(0.7, names_and=0.5)}
    results["high"]["against"] = {"reference": "low", "buckets": {"natural_dev": {"p": 0.01}, "names_and": {"p": 0.5}}}
    table = write_report(results, tmp_path, "levers", "Two rows.")
    lines = table.splitlines()
    assert lines[0] == "Two rows."
    outside, in_house = lines.index(f"**{OUTSIDE}**"), lines.index(f"**{IN_HOUSE}**")
    assert outside < in_house
    # Ranked: the higher outside score first, its floor missed said, a paired difference starred.
    header, _, sizes, first, second = lines[outside + 2 : outside + 7]
    assert header.startswith("| system | outside score | outside F1 | SLURP lists, 2 |")
    assert sizes.startswith("| n |  |  | 100 (±0.10) |")
    assert first.startswith('| high | 0.700 (below the floor: names with "and") | - |')
    assert "| 0.700* |" in first and second.startswith("| low | 0.500 | - |")
    assert lines[in_house + 2] == '| system | names with "and" |'
    assert json.loads((tmp_path / "levers.json").read_text())["high"]["floors_missed"] == ["names_and"]
    assert (tmp_path / "levers.png").stat().st_size > 0


def test_tables_are_rendered_again_without_touching_the_results(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    write_report({"row": _row(0.5)}, tmp_path, "old", "Again.", with_json=False)
    assert (tmp_path / "old.json").read_text() == "{}"
    assert (tmp_path / "old.md").read_text().startswith("Again.")
