"""The levers runner (experiments/levers.py): each lever a small list of
overrides the current code can run, its runs and their rows."""

from pathlib import Path

import pytest
from spacy.cli._util import parse_config_overrides
from spacy.util import load_config
from typer.testing import CliRunner

ROOT = Path(__file__).parents[1]


@pytest.fixture
def levers():
    from experiments import levers

    return levers


def _has_setting(config, dotted: str) -> bool:
    section = config
    for key in dotted.split("."):
        if not isinstance(section, dict) or key not in section:
            return False
        section = section[key]
    return True


def test_every_lever_changes_something_but_the_default(levers):
    """No row trains today's default under another name."""
    for lever_set in levers.LEVER_SETS.values():
        (_, default), *others = lever_set.levers.items()
        if not lever_set.decode_only:
            assert default == levers.Lever()
        for name, lever in others:
            assert lever.corpus or lever.train or lever.decode != default.decode, name


def test_overrides_name_settings_the_code_has(levers):
    from spacy_coord.component import DECODING_SETTINGS
    from spacy_coord.training.config import load_corpus_config

    config = load_config(ROOT / "configs" / "coord.cfg")
    for lever_set in levers.LEVER_SETS.values():
        for name, lever in lever_set.levers.items():
            for key in {**lever_set.train, **lever.train}:
                assert _has_setting(config, key), f"{name}: {key}"
            assert set(lever.decode) <= set(DECODING_SETTINGS), name
            overrides = {**lever.corpus, "corpus.augment_seed": "1"}
            load_corpus_config(ROOT / "configs" / "corpus.cfg", parse_config_overrides(levers._args(overrides)))


def test_runs_vary_the_training_seed_or_the_corpus_draw(levers, tmp_path):
    lever_set = levers.LeverSet(
        "", {"default": levers.Lever(), "asr": levers.Lever(corpus={"augment.asr_share": "0.4"})}
    )
    runs = levers.plan_runs(lever_set, tmp_path / "corpus", [], tmp_path, ["asr"], seeds=2, augmentation_seeds=2)
    assert [(run.name, run.seed, run.corpus) for run in runs] == [
        ("asr", 0, {"augment.asr_share": "0.4"}),
        ("asr, training seed 1", 1, {"augment.asr_share": "0.4"}),
        ("asr, augmentation seed 1", 0, {"augment.asr_share": "0.4", "corpus.augment_seed": "1"}),
    ]
    # Runs of one corpus share it; each run scores the buckets of its corpus.
    assert runs[0].eval_dir == runs[1].eval_dir != runs[2].eval_dir
    assert runs[0].pipeline != runs[1].pipeline
    default = levers.plan_runs(lever_set, tmp_path / "corpus", [], tmp_path, ["default"], 1, 1)
    assert default[0].eval_dir == tmp_path / "corpus" / "eval"


def test_decoding_levers_run_on_the_pipelines_given(levers, tmp_path):
    lever_set = levers.LEVER_SETS["parallelism"]
    pipelines = [tmp_path / "a", tmp_path / "b"]
    runs = levers.plan_runs(lever_set, tmp_path, pipelines, tmp_path / "work", [], 1, 1)
    assert len(runs) == 2 * len(lever_set.levers)
    assert {run.pipeline for run in runs} == set(pipelines)
    assert runs[0].name == f"parallelism_weight 0.5, {pipelines[0]}"


def test_a_lever_row_is_its_run_or_the_mean_of_its_runs(levers):
    lever_set = levers.LeverSet("", {"default": levers.Lever(), "deep": levers.Lever(train={"x": "1"})})
    runs = {
        "default": {"buckets": {"natural_dev": {"exact": 0.6, "n": 86}}},
        "deep": {"buckets": {"natural_dev": {"exact": 0.6}}},
        "deep, training seed 1": {"buckets": {"natural_dev": {"exact": 0.8}}},
        "gone lever": {"buckets": {"natural_dev": {"exact": 0.9}}},
    }
    rows = levers.lever_rows(lever_set, runs)
    assert list(rows) == ["default", "deep (mean of 2 runs)"]
    assert rows["deep (mean of 2 runs)"]["buckets"]["natural_dev"]["exact"] == pytest.approx(0.7)
    # A report of means reads back as its runs.
    assert levers.flat_runs(rows) == {name: run for name, run in runs.items() if name != "gone lever"}


def test_the_reports_before_the_runner_read_as_runs(levers):
    sweep = {"setting": "parallelism_weight", "exact": {"0.5": {"natural_dev": 0.7, "dev": 0.9}}}
    assert levers.flat_runs(sweep) == {"parallelism_weight 0.5": {"buckets": {"natural_dev": {"exact": 0.7}}}}


def test_a_decoding_set_without_pipelines_says_what_it_needs(levers, tmp_path):
    import typer

    app = typer.Typer()
    app.command()(levers.main)
    result = CliRunner().invoke(app, ["parallelism", str(tmp_path), str(tmp_path / "metrics")])
    assert result.exit_code == 1
    assert "E022" in result.output and "--pipeline" in result.output
    result = CliRunner().invoke(app, ["no_such_set", str(tmp_path), str(tmp_path / "metrics")])
    assert result.exit_code == 1 and "E021" in result.output
