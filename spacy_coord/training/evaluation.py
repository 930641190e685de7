"""The evaluation buckets, the outside score and the one function that
scores systems on them: used by scripts/evaluate.py, scripts/benchmark.py
and every research tool in experiments/ (their reports: `report.py`)."""

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import spacy
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from ..corpus import read_docbin
from ..errors import Errors
from ..scoring import exact_matches, score_coord
from ..tags import SPANS_KEY
from .statistics import paired_sign_test

# In-distribution buckets, drawn by the project's own augmenter from the
# corpora it trains on: they show regressions, not generalization.
IN_HOUSE_BUCKETS = {
    "two": "2 conjuncts",
    "three": "3 conjuncts",
    "four_plus": "4+ conjuncts",
    "commas": "lists with commas",
    "unseen_domain": "unseen domain",
    "unseen_domain_2": "unseen domain, 2",
    "unseen_domain_3": "unseen domain, 3",
    "unseen_domain_4_plus": "unseen domain, 4+",
    "compound": "compound intents",
    "names_and": 'names with "and"',
    "names_and_asr": 'names with "and", lower case',
    "plain": "plain (no coordination)",
}
# The outside yardstick, made by nobody on this project from sources it does
# not train on: lists and plain requests on SLURP devel (slurp_dev/), the
# hand-written natural dev set and CLINC150 test requests.
OUTSIDE_BUCKETS = {
    "slurp_lists_2": "SLURP lists, 2",
    "slurp_lists_3": "SLURP lists, 3",
    "slurp_lists_4_plus": "SLURP lists, 4-5",
    "slurp_lists_3_commas": "SLURP lists, 3 with commas",
    "slurp_plain": "SLURP plain requests",
    "natural_dev": "natural dev",
    "natural_dev_clinc": "natural dev, CLINC150 test",
}
BUCKETS = {**IN_HOUSE_BUCKETS, **OUTSIDE_BUCKETS}
# The outside score, by which defaults are chosen: the mean exact match of
# these buckets (every outside set with something to find) ...
OUTSIDE_SCORE_BUCKETS = (
    "slurp_lists_2",
    "slurp_lists_3",
    "slurp_lists_4_plus",
    "slurp_lists_3_commas",
    "natural_dev",
    "natural_dev_clinc",
)
# ... with these as floors: a default must keep names whole and find nothing
# in plain requests (exact match at least this).
FLOORS = {"names_and": 0.80, "plain": 0.99, "slurp_plain": 0.99}
# Rows scored on part of a bucket: name -> (bucket, test on the gold conjunct count).
SUB_BUCKETS = {
    "unseen_domain_2": ("unseen_domain", lambda n: n == 2),
    "unseen_domain_3": ("unseen_domain", lambda n: n == 3),
    "unseen_domain_4_plus": ("unseen_domain", lambda n: n >= 4),
}
# The buckets that have a gold file of their own.
FILE_BUCKETS = [bucket for bucket in BUCKETS if bucket not in SUB_BUCKETS]

# A system under evaluation: texts in, docs with conjuncts in doc.spans["coord"] out.
System = Callable[[List[str]], List[Doc]]


def pipeline_system(nlp, batch_size: int = 256) -> System:
    """A trained pipeline with a coord_chunker, as a system."""
    return lambda texts: list(nlp.pipe(texts, batch_size=batch_size))


def parser_system(parser, batch_size: int = 256) -> System:
    """The broad-parser baseline: a spaCy pipeline with a dependency parser,
    its `conj` relations turned into conjunct spans."""
    from .silver import parser_conjunct_doc

    return lambda texts: [parser_conjunct_doc(doc) for doc in parser.pipe(texts, batch_size=batch_size)]


def load_pipeline(path: str, decoding: Optional[Dict[str, Any]] = None):
    """`spacy.load` a trained pipeline (a folder or an installed package),
    with coord_chunker settings that only change decoding (such as
    `parallelism_weight`) overridden at load, without retraining."""
    config = {"components": {"coord_chunker": dict(decoding)}} if decoding else {}
    return spacy.load(path, config=config)


def named_path(spec: str, option: str) -> Tuple[str, str]:
    """Split a NAME=PATH command-line value at its last "=" (names may hold
    "="). PATH is a file or folder, or an installed pipeline package.
    Raises ValueError naming the option if it is neither."""
    from spacy.util import is_package

    name, sep, path = spec.rpartition("=")
    if not sep or not name or not (Path(path).exists() or is_package(path)):
        raise ValueError(Errors.E019.format(option=option, value=spec))
    return name, path


def pipeline_folder(path: str) -> Path:
    """The folder of a pipeline given as a folder or an installed package."""
    from spacy.util import get_package_path, is_package

    return get_package_path(path) if not Path(path).exists() and is_package(path) else Path(path)


def score_systems(
    systems: Dict[str, System],
    eval_dir: Path,
    vocab: Optional[Vocab] = None,
    reference: Optional[str] = None,
    extra: Optional[Dict[str, List[Doc]]] = None,
) -> Dict[str, Dict[str, Any]]:
    """Score every system on every bucket of `eval_dir` that has a gold file
    (and on `extra` buckets of gold docs), all on the same utterances.

    systems (Dict[str, System]): Name -> system (see `pipeline_system`).
    eval_dir (Path): The folder of <bucket>.spacy gold files.
    vocab (Optional[Vocab]): The vocab to read the gold docs with (a new
        English one if None).
    reference (Optional[str]): A system every other one is compared with,
        utterance by utterance (exact McNemar test per bucket).
    extra (Optional[Dict[str, List[Doc]]]): More buckets: name -> gold docs.
    RETURNS (Dict[str, Dict[str, Any]]): Per system "buckets" (per bucket n,
        exact match and conjunct F1), "matches" (per bucket one "1" or "0"
        per utterance: exact match or not) and, when a reference is given,
        "against" ({"reference": name, "buckets": see `paired_comparison`}).
    """
    if reference is not None and reference not in systems:
        raise ValueError(Errors.E020.format(reference=reference, names=", ".join(systems)))
    vocab = vocab or spacy.blank("en").vocab
    gold = {bucket: read_bucket(eval_dir, bucket, vocab) for bucket in FILE_BUCKETS if has_bucket(eval_dir, bucket)}
    gold.update(extra or {})
    results: Dict[str, Dict[str, Any]] = {}
    for name, system in systems.items():
        examples = {
            bucket: [Example(pred, ref) for pred, ref in zip(system([doc.text for doc in docs]), docs)]
            for bucket, docs in gold.items()
        }
        for sub, (bucket, wanted) in SUB_BUCKETS.items():
            part = [eg for eg in examples.get(bucket, []) if wanted(len(eg.reference.spans[SPANS_KEY]))]
            if part:
                examples[sub] = part
        order = [b for b in BUCKETS if b in examples] + [b for b in examples if b not in BUCKETS]
        results[name] = {
            "buckets": {bucket: _summary(examples[bucket]) for bucket in order},
            "matches": {
                bucket: "".join("1" if m else "0" for m in exact_matches(examples[bucket])) for bucket in order
            },
        }
    if reference is not None:
        for name, result in results.items():
            if name != reference:
                compared = paired_comparison(result["matches"], results[reference]["matches"])
                result["against"] = {"reference": reference, "buckets": compared}
    return results


def _summary(examples: List[Example]) -> Dict[str, Any]:
    scores = score_coord(examples)
    return {"n": len(examples), "exact": scores["spans_coord_exact"], "f": scores["spans_coord_f"]}


def paired_comparison(first: Dict[str, str], second: Dict[str, str]) -> Dict[str, Dict[str, Any]]:
    """Per bucket of both, the utterances that only the first or only the
    second system matches exactly (flags as in `score_systems`' "matches"),
    and the exact McNemar test's p-value of that split."""
    paired = {}
    for bucket, flags in first.items():
        if bucket not in second:
            continue
        only_first = sum(a == "1" and b == "0" for a, b in zip(flags, second[bucket]))
        only_second = sum(a == "0" and b == "1" for a, b in zip(flags, second[bucket]))
        paired[bucket] = {
            "only_first": only_first,
            "only_second": only_second,
            "p": paired_sign_test(only_first, only_second),
        }
    return paired


def outside_score(buckets: Dict[str, Dict], metric: str = "exact") -> Optional[float]:
    """The mean exact match (or another `metric` of the buckets, such as "f")
    of OUTSIDE_SCORE_BUCKETS (None unless all are scored)."""
    scores = [buckets.get(b, {}).get(metric) for b in OUTSIDE_SCORE_BUCKETS]
    return None if any(score is None for score in scores) else sum(scores) / len(scores)


def floors_missed(buckets: Dict[str, Dict]) -> List[str]:
    """The FLOORS buckets scored below their floor."""
    scored = {b: buckets.get(b, {}).get("exact") for b in FLOORS}
    return [b for b, floor in FLOORS.items() if scored[b] is not None and scored[b] < floor]


def mean_buckets(runs: Sequence[Dict[str, Dict]]) -> Dict[str, Dict[str, Any]]:
    """Per bucket scored in every run ("buckets" of `score_systems`), the
    mean exact match and F1 (n: the first run's; the runs share their gold)."""
    buckets = [b for b in runs[0] if all(run.get(b, {}).get("exact") is not None for run in runs)]
    means = {}
    for bucket in buckets:
        means[bucket] = {"exact": sum(run[bucket]["exact"] for run in runs) / len(runs)}
        if all(run[bucket].get("f") is not None for run in runs):
            means[bucket]["f"] = sum(run[bucket]["f"] for run in runs) / len(runs)
        if "n" in runs[0][bucket]:
            means[bucket]["n"] = runs[0][bucket]["n"]
    return means


def has_bucket(eval_dir: Path, bucket: str) -> bool:
    """Whether `eval_dir` holds a gold file of `bucket`."""
    return (eval_dir / f"{bucket}.spacy").exists()


def read_bucket(eval_dir: Path, bucket: str, vocab: Optional[Vocab] = None) -> List[Doc]:
    """The gold docs of one evaluation bucket (`eval_dir/<bucket>.spacy`)."""
    return read_docbin(eval_dir / f"{bucket}.spacy", vocab)


def size_mb(path: Path, exclude: Tuple[str, ...] = ()) -> float:
    """Size of a pipeline folder in MB, without the subfolders named in `exclude`."""
    files = [
        p for p in path.rglob("*") if p.is_file() and not any(part in exclude for part in p.relative_to(path).parts)
    ]
    return sum(p.stat().st_size for p in files) / 1e6


def train_minutes(train_time: Optional[Path]) -> Optional[float]:
    """Training time from the train_time.json of scripts/train.py, if there is one."""
    if train_time is None or not train_time.exists():
        return None
    return json.loads(train_time.read_text())["seconds"] / 60
