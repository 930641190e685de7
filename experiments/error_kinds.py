"""Sort the misses of trained pipelines on one gold bucket by kind, so that
an ablation row says which errors a lever fixed, not only how many:

    python -m experiments.error_kinds corpus/eval/natural_dev.spacy training/model-last other/model-last --show

With several pipelines (training seeds of one config, say) it also counts
the utterances all of them miss and those some miss: if the misses were the
luck of a seed, the utterances missed by all would be few, and picking the
right pipeline per utterance (the best any of them can do) would score far
above each one; a majority vote tells what an ensemble of them could do.
"""

from pathlib import Path
from typing import Dict, List, Set

import typer
from wasabi import msg


def main(
    gold_path: Path = typer.Argument(..., exists=True, help="Gold .spacy file (e.g. corpus/eval/natural_dev.spacy)"),
    models: List[Path] = typer.Argument(..., exists=True, help="Trained pipelines"),
    show: bool = typer.Option(False, "--show", help="Print every miss"),
) -> None:
    """Print a table of misses per kind, one column per pipeline."""
    import spacy

    from spacy_coord.corpus import read_docbin
    from spacy_coord.scoring import is_exact_match
    from spacy_coord.training.statistics import ERROR_KINDS, error_kind

    counts: Dict[str, Dict[str, int]] = {}
    missed: List[Set[int]] = []  # per pipeline: the indices of the utterances it misses
    for model in models:
        nlp = spacy.load(model)
        spans_key = nlp.get_pipe("coord_chunker").cfg["spans_key"]
        gold_docs = read_docbin(gold_path, nlp.vocab)
        counts[str(model)] = dict.fromkeys(ERROR_KINDS, 0)
        missed.append(set())
        for i, (gold, doc) in enumerate(zip(gold_docs, nlp.pipe(doc.text for doc in gold_docs))):
            expected = [span.text for span in gold.spans[spans_key]]
            predicted = [span.text for span in doc.spans[spans_key]]
            if not is_exact_match(predicted, expected):
                missed[-1].add(i)
                kind = error_kind(predicted, expected)
                counts[str(model)][kind] += 1
                if show:
                    print(f"{model} | {kind} | {doc.text} | gold {expected} | predicted {predicted}")
    rows = [(kind, *(counts[m][kind] for m in counts)) for kind in ERROR_KINDS]
    rows.append(("all misses", *(sum(c.values()) for c in counts.values())))
    msg.table(rows, header=("kind", *(_label(m) for m in counts)), divider=True)
    for kind, description in ERROR_KINDS.items():
        print(f"{kind}: {description}")
    if len(missed) > 1:
        n, by_all, by_some = len(gold_docs), set.intersection(*missed), set.union(*missed)
        by_most = [i for i in range(n) if 2 * sum(i in m for m in missed) >= len(missed)]
        print(
            f"Of {n} utterances, {len(by_all)} are missed by all {len(missed)} pipelines, {len(by_most)} by half "
            f"of them or more, {len(by_some)} by at least one. The right pipeline per utterance would score "
            f"{(n - len(by_all)) / n:.3f}, a majority vote {(n - len(by_most)) / n:.3f} "
            f"(the pipelines: {', '.join(f'{(n - len(m)) / n:.3f}' for m in missed)})."
        )


def _label(model: str) -> str:
    """A short column header for a pipeline path (its variant folder, if any)."""
    parts = [p for p in Path(model).parts if p not in ("training", "ablation_full", "model-best", "model-last")]
    return (parts[-1] if parts else model)[:24]


if __name__ == "__main__":
    typer.run(main)
