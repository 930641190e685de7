"""A teacher pipeline labels a student's training data: its tag
probabilities on the gold examples (soft targets beside the gold), and its
best conjuncts plus tag probabilities on unlabeled utterances (the corpora's
own, or an app's: one a line in a text file).
"""

import time
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Set

from spacy.language import Language
from spacy.tokens import Doc
from wasabi import msg

from ..corpus import read_text
from ..soft_targets import set_tag_probs
from .splits import text_key

# Words that make an utterance worth the teacher's label first.
COORDINATORS = frozenset({"and", "or", "nor", "plus", "&"})
# The longest utterance read from a text file, in characters: longer lines
# are not utterances (a pasted document) and would slow the teacher down.
MAX_UTTERANCE_CHARS = 1000


def read_utterances(path: Path, exclude: Optional[Set[str]] = None) -> List[str]:
    """The utterances of a plain-text file, one a line: blank lines, lines
    longer than MAX_UTTERANCE_CHARS, repeats and those whose `text_key` is
    in `exclude` (evaluation texts) are left out, with a message saying how
    many. Raises ValueError naming the file when it holds no utterance.

    path (Path): The file (UTF-8, or latin-1; see `corpus.decode_text`).
    exclude (Optional[Set[str]]): `text_key`s to leave out.
    RETURNS (List[str]): The utterances, in file order.
    """
    if not path.is_file():
        raise ValueError(f"{path}: no such file (expected a text file of utterances, one a line)")
    seen = set(exclude or ())
    utterances, too_long, repeated, blank = [], [], 0, 0
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        text = line.strip()
        if not text:
            blank += 1
            continue
        if len(text) > MAX_UTTERANCE_CHARS:
            too_long.append(number)
            continue
        key = text_key(text)
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        utterances.append(text)
    if too_long:
        msg.warn(
            f"{path}: left out {len(too_long)} lines over {MAX_UTTERANCE_CHARS} characters (line {too_long[0]}, ...)"
        )
    if repeated:
        msg.info(f"{path}: left out {repeated} repeated " + ("or evaluation utterances" if exclude else "utterances"))
    if blank:
        msg.info(f"{path}: skipped {blank} blank lines")
    if not utterances:
        raise ValueError(f"{path}: no utterance (the file is empty or holds only blank lines)")
    return utterances


def teach(
    teacher: Language,
    docs: List[Doc],
    *,
    keep_gold: bool,
    batch_size: int = 256,
    component: str = "coord_chunker",
    progress: Optional[Callable[[int], None]] = None,
) -> None:
    """Store the teacher's tag probabilities on `docs` (in place), and,
    unless `keep_gold`, its conjuncts and coordinations in their `doc.spans`.

    Docs are run through the teacher longest first, so a batch pads little.

    teacher (Language): A pipeline with a trained coord_chunker.
    docs (List[Doc]): The docs, tokenized by the student's tokenizer.
    keep_gold (bool): The docs hold gold spans, to keep.
    batch_size (int): Docs per batch of the teacher.
    component (str): Name of the teacher's coord_chunker.
    progress (Optional[Callable[[int], None]]): Called with the number of
        docs done after each batch.
    """
    chunker = teacher.get_pipe(component)
    order = sorted(range(len(docs)), key=lambda i: -len(docs[i]))
    for start in range(0, len(order), batch_size):
        batch = [docs[i] for i in order[start : start + batch_size]]
        predictions, probs = chunker.predict_tag_probs(batch)
        for doc, doc_probs in zip(batch, probs):
            set_tag_probs(doc, doc_probs)
        if not keep_gold:
            chunker.set_annotations(batch, predictions)
        if progress is not None:
            progress(min(start + batch_size, len(order)))


def teach_with_progress(teacher: Language, docs: List[Doc], label: str, *, keep_gold: bool) -> None:
    """`teach`, printing how far it is every 5,120 docs."""
    start = time.perf_counter()

    def progress(done: int) -> None:
        if done % 5120 == 0 or done == len(docs):
            rate = done / max(time.perf_counter() - start, 1e-9)
            msg.text(f"  {label}: {done:,} / {len(docs):,} docs ({rate:.0f}/s)")

    teach(teacher, docs, keep_gold=keep_gold, progress=progress)


def coordinated_first(texts: List[str]) -> List[str]:
    """`texts` with those holding a coordinator word ("and", "or", ...)
    first, each part in its order: where the teacher's labels matter most."""
    with_coordinator = [text for text in texts if COORDINATORS & set(text.lower().split())]
    return with_coordinator + [text for text in texts if not COORDINATORS & set(text.lower().split())]


def texts_of(docs: Iterable[Doc]) -> Set[str]:
    """The `text_key`s of docs."""
    return {text_key(doc.text) for doc in docs}
