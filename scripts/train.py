"""Run `spacy train` and record how long it took (for the evaluation report)."""

import json
import time
from pathlib import Path
from typing import Optional

import typer
from spacy.cli._util import parse_config_overrides
from spacy.cli.train import train
from wasabi import msg

app = typer.Typer()


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    config: Path = typer.Argument(..., exists=True, help="Training config"),
    output: Path = typer.Argument(..., help="Output directory (model-best, model-last)"),
    vectors: Optional[str] = typer.Option(
        None, "--vectors", help="Vectors pipeline from `spacy init vectors`, or none"
    ),
    vectors_width: int = typer.Option(0, "--vectors-width", help="Width of those vectors"),
) -> None:
    """Train with `spacy train`; extra `--section.key value` options override the config."""
    overrides = parse_config_overrides(ctx.args)
    if vectors and vectors.lower() not in ("none", "null", ""):
        if vectors_width <= 0:
            msg.fail("--vectors-width must be the width of the vectors given with --vectors", exits=1)
        overrides["paths.vectors"] = vectors
        overrides["components.coord_chunker.model.encoder.embed.vectors_width"] = vectors_width
    start = time.perf_counter()
    train(config, output, overrides=overrides)
    seconds = time.perf_counter() - start
    (output / "train_time.json").write_text(
        json.dumps({"seconds": round(seconds, 1), "overrides": {k: str(v) for k, v in overrides.items()}}, indent=2)
    )
    msg.good(f"Training took {seconds / 60:.1f} minutes")


if __name__ == "__main__":
    app()
