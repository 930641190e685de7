"""Copy the workflow's reviewed lines (vars.gold) into the assets, checked:

    python scripts/copy_gold.py data/gold_natural.txt assets/gold.txt
    python scripts/copy_gold.py '' assets/gold.txt    # no reviewed lines: an empty file

Every line must parse and its conjuncts align to tokens (errors name the
line). The workflow runs this step every time, so that an edit of the file
reaches the corpus: the corpus step reruns only when the copy changed.
"""

from pathlib import Path

import typer
from wasabi import msg

from spacy_coord.corpus import read_bracket_docs, write_atomically
from spacy_coord.errors import Errors


def main(
    gold: str = typer.Argument(..., help="Bracket-format file of reviewed lines ('': none)"),
    output: Path = typer.Argument(..., help="Where the copy goes (assets/gold.txt)"),
) -> None:
    """Check GOLD and copy it to OUTPUT; an empty OUTPUT when GOLD is ''."""
    if not gold:
        write_atomically(b"", output)
        msg.info("No reviewed lines (vars.gold is ''): the pipelines train on silver labels alone")
        return
    path = Path(gold)
    if not path.is_file():
        msg.fail(Errors.E018.format(path=path), exits=1)
    try:
        docs = read_bracket_docs(path)
    except ValueError as error:
        msg.fail(str(error), exits=1)
    write_atomically(path.read_bytes(), output)
    msg.good(f"{path}: {len(docs)} reviewed lines, copied to {output}")


if __name__ == "__main__":
    typer.run(main)
