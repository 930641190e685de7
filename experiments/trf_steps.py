"""How far the transformer pipeline gains from longer training: train
configs/coord_trf.cfg once for `--steps` steps (its learning rate decaying
to 0 at the last), saving the pipeline after each of `--save` steps, so
that `scripts/evaluate.py` can score every checkpoint on the outside sets:

    python -m experiments.trf_steps configs/coord_trf.cfg training/trf_steps --steps 3200 --save 800 --save 1600 --save 2400 -- --paths.train corpus/train.spacy --paths.dev corpus/dev.spacy --paths.names corpus/names.json

Extra `--section.key value` options override the config (after `--`).
"""

import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import typer
from spacy.cli._util import parse_config_overrides
from spacy.cli.train import train
from spacy.language import Language
from spacy.util import registry
from wasabi import msg

CALLBACK = "spacy-coord.experiments.save_checkpoints.v1"

app = typer.Typer(add_completion=False)


@registry.callbacks(CALLBACK)
def make_save_checkpoints(steps: List[int], path: str) -> Callable[[Language, Dict[str, Any]], None]:
    """A `[training] before_update` callback that saves the pipeline to
    PATH/step-N once N updates are done, for each N of `steps`."""
    wanted = set(steps)

    def save(nlp: Language, info: Dict[str, Any]) -> None:
        if info["step"] in wanted:
            nlp.to_disk(Path(path) / f"step-{info['step']}")
            msg.info(f"Saved the pipeline after {info['step']} steps")

    return save


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    config: Path = typer.Argument(..., exists=True, help="Training config of the transformer pipeline"),
    output: Path = typer.Argument(..., help="Output folder: model-last, step-N, train_time.json"),
    steps: int = typer.Option(3200, help="Steps in all (the learning rate reaches 0 at the last)"),
    save: List[int] = typer.Option([], help="Save the pipeline after these steps too"),
) -> None:
    """Train once and keep the pipeline at several steps."""
    overrides = parse_config_overrides(ctx.args)
    overrides.update(
        {
            "training.max_epochs": 0,
            "training.max_steps": steps,
            "training.eval_frequency": steps,
            "training.optimizer.learn_rate.total_steps": steps,
            "training.before_update": {"@callbacks": CALLBACK, "steps": sorted(save), "path": str(output)},
        }
    )
    start = time.perf_counter()
    train(config, output, overrides=overrides)
    seconds = time.perf_counter() - start
    (output / "train_time.json").write_text(json.dumps({"seconds": round(seconds, 1), "steps": steps}, indent=2))
    msg.good(f"{steps} steps in {seconds / 60:.1f} minutes")


if __name__ == "__main__":
    app()
