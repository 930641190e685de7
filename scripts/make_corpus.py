"""Build the training, dev and evaluation corpora of coord_chunker
(`spacy_coord.training.build`) with the settings of a config file, each
overridable on the command line:

    python scripts/make_corpus.py assets corpus
    python scripts/make_corpus.py assets /tmp/tiny --corpus.n_train 500 --corpus.n_eval 20 --corpus.max_sgd 3000 --augment.asr_share 0.5
    python scripts/make_corpus.py assets corpus --gold data/gold_natural.txt --corpus.gold_limit 250
"""

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides
from wasabi import msg

from spacy_coord.errors import Errors
from spacy_coord.training.build import build_corpus
from spacy_coord.training.config import load_corpus_config

CORPUS_CONFIG = Path(__file__).parents[1] / "configs" / "corpus.cfg"

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    assets: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="Folder with snips/, sgd/, clinc150/, natural_dev.txt"
    ),
    output: Path = typer.Argument(..., help="Output folder (train.spacy, dev.spacy, eval/, names.json)"),
    config: Path = typer.Option(
        CORPUS_CONFIG,
        "--config",
        "-c",
        exists=True,
        dir_okay=False,
        help="Config file of the settings, sections corpus and augment",
        show_default="configs/corpus.cfg",
    ),
    gold: str = typer.Option(
        "",
        "--gold",
        help="Reviewed lines in the bracket format, trained on in place of the silver labels of their texts ('': none)",
    ),
) -> None:
    """Build train.spacy, dev.spacy, the evaluation buckets and names.json;
    extra `--section.key value` options override the config."""
    try:  # bad settings fail before the long work
        corpus, augment = load_corpus_config(config, parse_config_overrides(ctx.args))
    except ValueError as error:
        msg.fail(f"{config}: {error}", exits=1)
    gold_path = Path(gold) if gold else None
    if gold_path is not None and not gold_path.is_file():
        msg.fail(Errors.E018.format(path=gold_path), exits=1)
    build_corpus(assets, output, corpus, augment, gold_path)


if __name__ == "__main__":
    app()
