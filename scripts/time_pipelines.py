"""Throughput of pipelines on the texts of the evaluation buckets, one CPU
thread: utterances per second of `nlp.pipe`, the best of three passes.

A pipeline is NAME=PATH, or NAME=BASE+CHUNKER: the pipeline BASE (such as
en_core_web_sm) with the coord_chunker of CHUNKER added (one trained on
BASE's frozen tok2vec, configs/coord_listener.cfg), which costs BASE's time
plus the chunker's head.
"""

import json
import os
import time
from pathlib import Path
from typing import List

import typer

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"


def main(
    eval_dir: Path = typer.Argument(..., exists=True, help="Folder of <bucket>.spacy gold files"),
    pipelines: List[str] = typer.Argument(..., help="NAME=PATH or NAME=BASE+CHUNKER"),
    batch_size: int = typer.Option(256, help="Batch size for nlp.pipe"),
) -> None:
    """Print one JSON line per pipeline: its name and utterances per second."""
    import spacy
    import torch
    from spacy.tokens import DocBin

    torch.set_num_threads(1)
    blank = spacy.blank("en")
    texts = [
        doc.text for path in sorted(eval_dir.glob("*.spacy")) for doc in DocBin().from_disk(path).get_docs(blank.vocab)
    ]
    loaded = {}
    for spec in pipelines:
        name, _, path = spec.partition("=")
        base, _, chunker = path.partition("+")
        loaded[name] = spacy.load(base)
        if chunker:
            loaded[name].add_pipe("coord_chunker", source=spacy.load(chunker))
        list(loaded[name].pipe(texts[:200], batch_size=batch_size))  # warm up
    # Passes of the pipelines in turn: a busy machine slows all of them alike.
    seconds = {name: [] for name in loaded}
    for _ in range(3):
        for name, nlp in loaded.items():
            start = time.perf_counter()
            list(nlp.pipe(texts, batch_size=batch_size))
            seconds[name].append(time.perf_counter() - start)
    for name, nlp in loaded.items():
        speed = round(len(texts) / min(seconds[name]))
        print(json.dumps({"pipeline": name, "components": nlp.pipe_names, "utterances_per_second": speed}))


if __name__ == "__main__":
    typer.run(main)
