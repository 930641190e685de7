"""The runs and means of the full-schedule ablation (experiments/ablation_full.py)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture
def ablation_full():
    from experiments import ablation_full

    return ablation_full


def test_runs_vary_the_training_seed_or_the_augmentation_seed(ablation_full):
    asr = {"augment.asr_share": "0.4"}
    runs = ablation_full.variant_runs("wide", asr, seeds=2, augmentation_seeds=3)
    assert runs == [
        ("wide", 0, asr),
        ("wide, training seed 1", 1, asr),
        ("wide, augmentation seed 1", 0, {**asr, "corpus.augment_seed": "1"}),
        ("wide, augmentation seed 2", 0, {**asr, "corpus.augment_seed": "2"}),
    ]
    assert ablation_full.variant_runs("wide", {}, seeds=1, augmentation_seeds=1) == [("wide", 0, {})]


def test_corpus_overrides_are_settings_of_the_corpus_config(ablation_full):
    """Every row's corpus overrides, as make_corpus.py reads them, name
    settings of configs/corpus.cfg with valid values."""
    from spacy.cli._util import parse_config_overrides

    from spacy_coord.training.config import load_corpus_config

    for name, (corpus_overrides, _) in ablation_full.VARIANTS.items():
        for _, _, overrides in ablation_full.variant_runs(name, corpus_overrides, seeds=1, augmentation_seeds=2):
            load_corpus_config(ROOT / "configs" / "corpus.cfg", parse_config_overrides(ablation_full._args(overrides)))


def test_rows_score_the_last_checkpoint_but_those_run_on_earlier_defaults(ablation_full):
    (default_name, (_, default_overrides)), *_ = ablation_full.VARIANTS.items()
    assert ablation_full.split_checkpoint(default_overrides) == ("model-last", {})
    for name, (_, overrides) in ablation_full.VARIANTS.items():
        checkpoint, train_overrides = ablation_full.split_checkpoint(overrides)
        assert checkpoint == ("model-best" if name in ablation_full._ON_BEST_CHECKPOINT else "model-last"), name
        # Only `spacy train` settings reach the training command.
        assert set(train_overrides) == set(overrides) - {ablation_full.CHECKPOINT}
        # Rows train for the config's epochs unless their name says otherwise;
        # earlier defaults' rows for the epochs of their time.
        epochs = overrides.get("training.max_epochs")
        of_their_time = (
            name in ablation_full._ON_4_EPOCHS and epochs == ablation_full.EPOCHS_BEFORE["training.max_epochs"]
        )
        assert of_their_time or epochs is None or f"{epochs} epochs" in name, name


def test_means_over_each_kind_of_seed_share_the_seed_0_row(ablation_full):
    name = next(iter(ablation_full.VARIANTS))
    scores = {"": 0.6, ", training seed 1": 0.8, ", augmentation seed 1": 0.4, ", augmentation seed 2": 0.5}
    rows = {name + suffix: {"buckets": {"natural_dev": {"exact": exact}}} for suffix, exact in scores.items()}
    means = ablation_full.seed_means(rows)
    assert set(means) == {f"{name} (2 seeds)", f"{name} (3 augmentation seeds)"}
    assert means[f"{name} (2 seeds)"]["buckets"]["natural_dev"]["exact"] == pytest.approx(0.7)
    assert means[f"{name} (3 augmentation seeds)"]["buckets"]["natural_dev"]["exact"] == pytest.approx(0.5)


def test_the_table_sums_how_far_each_row_falls_short_of_the_targets(ablation_full):
    from spacy_coord.training.evaluation import to_markdown

    met = {"natural_dev": 0.95, "names_and": 0.90, "plain": 1.0}
    short = {"natural_dev": 0.70, "names_and": 0.85, "plain": 1.0, "two": 0.5}  # "two" has no target
    results = {
        name: {"buckets": {b: {"exact": e} for b, e in scores.items()}}
        for name, scores in (("met", met), ("short", short), ("unscored", {"two": 0.5}))
    }
    rows = {
        line.split(" | ")[0][2:]: line.split(" | ")[-1].rstrip(" |")
        for line in to_markdown(results, "").splitlines()[4:]
    }
    assert rows == {"met": "0.000", "short": "0.250", "unscored": "-"}


def test_the_table_shows_an_empty_bucket_as_a_dash():
    """A tiny corpus can have an empty bucket, scored None."""
    from spacy_coord.training.evaluation import to_markdown

    results = {"tiny": {"buckets": {"names_and": {"n": 0, "exact": None}, "two": {"n": 10, "exact": 0.5}}}}
    assert "| tiny | 0.500 | - |" in to_markdown(results, "")


def test_the_sweep_picks_by_the_dev_split_and_by_the_shortfall_without_natural_dev():
    from experiments import parallelism_sweep

    means = {
        0.0: {"dev": 0.86, "names_and": 0.85, "compound": 0.90, "natural_dev": 0.99},
        3.0: {"dev": 0.85, "names_and": 0.91, "compound": 0.90, "natural_dev": 0.10},
        6.0: {"dev": 0.84, "names_and": 0.92, "compound": 0.84, "natural_dev": 0.99},
    }
    picks = parallelism_sweep.pick_weights(means)
    assert picks == {parallelism_sweep.DEV: 0.0, parallelism_sweep.SHORTFALL: 3.0}
    # Natural dev stands for unseen speech: it does not count.
    assert [means[w][parallelism_sweep.SHORTFALL] for w in means] == pytest.approx([0.05, 0.0, 0.01])
    # Shortfalls a rounding apart tie, and the smallest weight wins.
    means[6.0]["compound"] = 0.85
    means[3.0]["names_and"] = 0.8999
    assert parallelism_sweep.pick_weights(means)[parallelism_sweep.SHORTFALL] == 3.0


def test_checkpoint_means_skip_buckets_a_run_cannot_score():
    from spacy_coord.training.evaluation import mean_exact

    scored = [
        {"natural_dev": {"exact": 0.7}, "plain": {"exact": None}},
        {"natural_dev": {"exact": 0.8}, "plain": {"exact": 1.0}},
    ]
    assert mean_exact(scored) == {"natural_dev": pytest.approx(0.75)}


def test_checkpoint_comparison_names_a_run_without_both_checkpoints(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "training"
    (run / "model-best").mkdir(parents=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.compare_checkpoints",
            str(tmp_path),
            str(tmp_path / "metrics"),
            "tiny",
            str(run),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"{run} has no model-last" in " ".join(result.stdout.split())  # wasabi wraps lines
    assert not (tmp_path / "metrics").exists()
