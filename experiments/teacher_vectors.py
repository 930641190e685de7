"""Static word vectors distilled from the teacher, in the manner of model2vec:
each word of a word list is encoded alone by the teacher's fine-tuned
transformer (the mean of its word pieces' states), and the states are
reduced to WIDTH dimensions by PCA. Written as a word2vec text file for
`spacy init vectors`, so the student can use them in place of GloVe:

    python -m experiments.teacher_vectors training_trf/model-last assets/glove.6B.50d.txt assets/teacher.50d.txt
    python -m spacy init vectors en assets/teacher.50d.txt vectors/teacher
    python scripts/train.py configs/coord.cfg training_tv --vectors vectors/teacher --vectors-width 50 ...
"""

import time
from pathlib import Path
from typing import List

import numpy
import typer
from wasabi import msg


def main(
    teacher: Path = typer.Argument(..., exists=True, help="Trained teacher pipeline"),
    words_file: Path = typer.Argument(..., exists=True, help="word2vec text file whose words to encode (GloVe's)"),
    output: Path = typer.Argument(..., help="word2vec text file to write"),
    width: int = typer.Option(50, help="Dimensions kept by PCA"),
    batch_size: int = typer.Option(1024, help="Words per batch of the transformer"),
) -> None:
    """Encode every word alone with the teacher's encoder; PCA; write."""
    import spacy

    nlp = spacy.load(teacher)
    encoder = nlp.get_pipe("coord_chunker").model.layers[0]
    words = read_words(words_file)
    start, states = time.perf_counter(), []
    for begin in range(0, len(words), batch_size):
        docs = [nlp.make_doc(word) for word in words[begin : begin + batch_size]]
        ragged = encoder.predict(docs)
        # A word the tokenizer splits ("don't") gets the mean of its tokens.
        bounds = numpy.cumsum([0, *ragged.lengths])
        states.append(numpy.add.reduceat(ragged.dataXd, bounds[:-1]) / ragged.lengths[:, None])
        if begin // batch_size % 20 == 0:
            msg.text(f"  {begin + len(docs):,} / {len(words):,} words ({time.perf_counter() - start:.0f}s)")
    matrix = numpy.concatenate(states)
    matrix -= matrix.mean(axis=0)
    _, singular, components = numpy.linalg.svd(matrix, full_matrices=False)
    reduced = matrix @ components[:width].T
    kept = (singular[:width] ** 2).sum() / (singular**2).sum()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf8") as file_:
        file_.write(f"{len(words)} {width}\n")
        for word, row in zip(words, reduced):
            file_.write(word + " " + " ".join(f"{x:.5f}" for x in row) + "\n")
    msg.good(f"Wrote {len(words):,} vectors of {width} dimensions ({kept:.0%} of the variance) to {output}")


def read_words(path: Path) -> List[str]:
    """The words of a word2vec text file (after its header line)."""
    with path.open(encoding="utf8") as file_:
        next(file_)
        return [line.split(" ", 1)[0] for line in file_]


if __name__ == "__main__":
    typer.run(main)
