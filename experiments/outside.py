"""The outside sets (`../shared/corpora/slurp_dev/`, bracket format), read
and scored with the project's scoring, beside `score_buckets`' in-house
buckets, until the evaluation scores them itself."""

from pathlib import Path
from typing import Callable, Dict, List

from spacy.tokens import Doc
from spacy.training import Example
from wasabi import msg

from spacy_coord.corpus import make_gold_doc, read_bracket_file
from spacy_coord.scoring import exact_matches, score_coord


def read_outside(outside_dir: Path, nlp) -> Dict[str, List[Doc]]:
    """The gold docs of each bracket file of `outside_dir`, by name
    ("outside: lists_2"); a line whose brackets split a token ("[orlando
    fl]orida") is left out, with a warning."""
    sets = {}
    for path in sorted(outside_dir.glob("*.txt")):
        docs = []
        for lineno, text, spans in read_bracket_file(path):
            doc = make_gold_doc(nlp, text, conjuncts=spans)
            if doc is None:
                msg.warn(f"{path}:{lineno}: a conjunct does not align to tokens, left out")
            else:
                docs.append(doc)
        sets[f"outside: {path.stem}"] = docs
    return sets


def score_outside(
    run: Callable[[List[str]], List[Doc]], sets: Dict[str, List[Doc]], matches: Dict[str, List[bool]]
) -> Dict[str, Dict]:
    """As `score_buckets`: n, exact match and conjunct F1 per set of `run`
    (texts -> annotated docs); `matches` receives per set whether each
    utterance is an exact match."""
    scores = {}
    for name, gold in sets.items():
        examples = [Example(pred, ref) for pred, ref in zip(run([doc.text for doc in gold]), gold)]
        scored = score_coord(examples)
        scores[name] = {"n": len(examples), "exact": scored["spans_coord_exact"], "f": scored["spans_coord_f"]}
        matches[name] = exact_matches(examples)
    return scores
