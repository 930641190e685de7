"""The teacher labels the student's training data: `spacy_coord.training.teach`.

    python scripts/teach.py training_trf/model-last corpus/train.spacy corpus/utterances.txt corpus/eval corpus/train_taught.spacy

Writes the student's training file: every gold example of TRAIN, the first
--n-examples of them with the teacher's tag probabilities (those whose text
is a natural utterance, a line of UTTERANCES, first); then, as
new examples labeled by the teacher (its conjuncts, and its tag
probabilities as soft targets), --n-utterances other lines of UTTERANCES
(those with a coordinator word first) and every line of --own-utterances.
Texts of the evaluation buckets in EVAL_DIR are left out.
"""

import time
from pathlib import Path

import typer
from wasabi import msg

from spacy_coord.corpus import read_docbin, write_docbin
from spacy_coord.training.splits import text_key
from spacy_coord.training.teach import coordinated_first, read_utterances, teach_with_progress, texts_of


def main(
    teacher: Path = typer.Argument(..., exists=True, help="Trained teacher pipeline (configs/coord_trf.cfg)"),
    train: Path = typer.Argument(..., exists=True, dir_okay=False, help="Gold training examples (.spacy)"),
    utterances: Path = typer.Argument(..., exists=True, dir_okay=False, help="Unlabeled utterances, one a line"),
    eval_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Evaluation buckets (<bucket>.spacy)"),
    output: Path = typer.Argument(..., help="The student's training file (.spacy)"),
    n_examples: int = typer.Option(
        0, min=0, help="Gold examples given the teacher's tag probabilities, natural originals first"
    ),
    n_utterances: int = typer.Option(
        0, min=0, help="Utterances of UTTERANCES the teacher labels, those with a coordinator first"
    ),
    own_utterances: str = typer.Option("", help="Your own utterances, one a line, all labeled by the teacher"),
    relabel_natural: bool = typer.Option(
        False, help="The teacher's conjuncts replace the parser's silver ones on the natural originals"
    ),
) -> None:
    """Write OUTPUT: TRAIN with the teacher's soft targets, plus utterances the teacher labeled."""
    import spacy

    start = time.perf_counter()
    nlp = spacy.load(teacher)
    examples = read_docbin(train, nlp.vocab)
    held_out = set().union(*(texts_of(read_docbin(path, nlp.vocab)) for path in sorted(eval_dir.glob("*.spacy"))))
    try:
        lines = read_utterances(utterances)
        own = read_utterances(Path(own_utterances)) if own_utterances else []
    except ValueError as error:
        msg.fail(str(error), exits=1)
    natural, seen = {text_key(line) for line in lines}, held_out | texts_of(examples)
    originals = [doc for doc in examples if text_key(doc.text) in natural][:n_examples]
    augmented = [doc for doc in examples if text_key(doc.text) not in natural][: n_examples - len(originals)]
    texts = coordinated_first([line for line in lines if text_key(line) not in seen])[:n_utterances]
    seen |= {text_key(text) for text in texts}
    texts += [line for line in own if text_key(line) not in seen]
    if own:
        msg.info(f"{own_utterances}: {len(own):,} of your own utterances")
    msg.info(
        f"Teaching: {len(originals):,} natural and {len(augmented):,} generated gold examples, "
        f"{len(texts):,} unlabeled utterances"
    )
    teach_with_progress(nlp, originals, "natural originals", keep_gold=not relabel_natural)
    teach_with_progress(nlp, augmented, "generated examples", keep_gold=True)
    unlabeled = [nlp.make_doc(text) for text in texts]
    teach_with_progress(nlp, unlabeled, "utterances", keep_gold=False)
    n_written = write_docbin(examples + unlabeled, output)
    n_coordinated = sum(bool(doc.spans.get("coord")) for doc in unlabeled)
    msg.good(
        f"Wrote {n_written:,} examples to {output} ({n_coordinated:,} of the {len(unlabeled):,} utterances "
        f"coordinated by the teacher) in {time.perf_counter() - start:.0f}s"
    )


if __name__ == "__main__":
    typer.run(main)
