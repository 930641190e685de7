"""Select the natural coordinations of the training corpora for hand review
(the provenance of `data/gold_natural.txt`).

Selection rule: the coordinated originals (`classify` says "coordinated": a
coordinator word outside every slot value) of the train and dev partitions
of the default corpus settings, without CLINC150's test split (an outside
set) and without any text of an evaluation set. Each gets the silver label
the workflow trains on (the parser's conjuncts after `filter_silver_groups`,
or none when the filters leave it out) and the teacher's reading. Lines
where the two differ come first; within that, the corpora and their domains
take turns (round robin over (corpus, domain), in a seeded order), so the
review covers all three corpora and every domain before it goes deep into
the large ones. Writes a TSV with one candidate a line:

    id  corpus  domain  disagree  silver  teacher

    python -m experiments.gold_candidates assets training_trf/model-last candidates.tsv --n 1800
"""

import random
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import spacy
import typer
from wasabi import msg

from spacy_coord.corpus import format_bracket_line, read_bracket_file
from spacy_coord.training.build import TRAINING_PARTS, dedupe, load_corpora
from spacy_coord.training.config import load_corpus_config
from spacy_coord.training.corpora import Utterance
from spacy_coord.training.examples import COORDINATED, classify
from spacy_coord.training.silver import filter_silver_groups, parser_conjunct_char_groups
from spacy_coord.training.splits import partition_utterances, text_key

CORPUS_CONFIG = Path(__file__).parents[1] / "configs" / "corpus.cfg"


def main(
    assets: Path = typer.Argument(..., exists=True, file_okay=False, help="The workflow's assets/"),
    teacher: Path = typer.Argument(..., exists=True, help="The transformer pipeline"),
    output: Path = typer.Argument(..., help="TSV of candidates"),
    evaluation: List[Path] = typer.Option([], "--evaluation", "-e", help="Bracket files of evaluation sets"),
    n: int = typer.Option(1800, help="How many candidates"),
    seed: int = typer.Option(0, help="Seed of the round robin's order"),
) -> None:
    corpus, _ = load_corpus_config(CORPUS_CONFIG, {})
    exclude = {text_key(text) for path in evaluation for _, text, _ in read_bracket_file(path)}
    corpora = load_corpora(assets)
    parts = partition_utterances(dedupe(corpora, exclude), seed=corpus.seed, held_out_domain=corpus.unseen_domain)
    # Brackets and tabs in a text would not survive the bracket format and the TSV.
    originals = [
        u
        for name in TRAINING_PARTS
        for u in parts[name]
        if classify(u) == COORDINATED and not any(c in u.text for c in "[]\t\n")
    ]
    msg.info(f"{len(originals)} coordinated originals in train and dev")
    parser = spacy.load(corpus.parser, exclude=["ner", "lemmatizer"])
    silver = [
        _silver_line(u, doc) for u, doc in zip(originals, parser.pipe([u.text for u in originals], batch_size=256))
    ]
    chosen = _round_robin(originals, silver, n, seed, teacher_nlp=spacy.load(teacher))
    with output.open("w", encoding="utf8") as file:
        for utt, silver_line, teacher_line in chosen:
            disagree = int(silver_line != teacher_line)
            file.write(f"{utt.uid}\t{utt.source}\t{utt.domain}\t{disagree}\t{silver_line}\t{teacher_line}\n")
    msg.good(f"Wrote {len(chosen)} candidates to {output}")


def _silver_line(utt: Utterance, doc) -> str:
    """The silver label as a bracket line; "-" when the filters leave the utterance out."""
    groups = filter_silver_groups(utt, parser_conjunct_char_groups(doc))
    return "-" if groups is None else format_bracket_line(utt.text, [span for group in groups for span in group])


def _round_robin(originals, silver, n, seed, teacher_nlp) -> List:
    """Disagreements first, corpora and domains in turn (see the module docstring)."""
    teacher_lines = [
        format_bracket_line(doc.text, [(s.start_char, s.end_char) for s in doc.spans["coord"]])
        for doc in teacher_nlp.pipe([u.text for u in originals], batch_size=64)
    ]
    rng = random.Random(seed)
    rows = list(zip(originals, silver, teacher_lines))
    rng.shuffle(rows)
    chosen: List = []
    for disagree in (True, False):
        queues: Dict[tuple, List] = defaultdict(list)
        for row in rows:
            if (row[1] != row[2]) == disagree:
                queues[(row[0].source, row[0].domain)].append(row)
        keys = sorted(queues, key=lambda _: rng.random())
        while len(chosen) < n and any(queues[k] for k in keys):
            for key in keys:
                if queues[key] and len(chosen) < n:
                    chosen.append(queues[key].pop())
    return chosen


if __name__ == "__main__":
    typer.run(main)
