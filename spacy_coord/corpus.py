"""The bracket text format, gold docs and `.spacy` files: what training,
evaluation and `spacy train` read, with the registered corpus readers.

Every reader raises a `ValueError` naming the file and the line when its
input is malformed.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.vocab import Vocab

from .domain import set_domain
from .msgpack_hooks import cached_msgpack_hooks
from .tags import CONJUNCT_LABEL, GROUP_LABEL, GROUPS_KEY, SPANS_KEY, infer_groups

# A conjunct as character offsets (start, end), end exclusive.
CharSpan = Tuple[int, int]

NATURAL_DOMAIN = "natural"


# ---------------------------------------------------------------------------
# Text decoding


def decode_text(data: bytes) -> str:
    """Decode a corpus file robustly.

    UTF-8 (with or without BOM) first; then UTF-8 whose astral characters were
    written as surrogate pairs (CESU-8, as in SNIPS' PlayMusic file); then
    line by line, UTF-8 where it decodes and latin-1 elsewhere (a latin-1
    file, or one with a few latin-1 lines).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("utf-8", errors="surrogatepass")
        return text.encode("utf-16", errors="surrogatepass").decode("utf-16")
    except UnicodeError:
        pass
    lines = []
    for line in data.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("latin-1"))
    return "\n".join(lines)


def read_text(path: Union[str, Path]) -> str:
    """The text of `path`, decoded with `decode_text`."""
    path = Path(path)
    return decode_text(path.read_bytes())


# ---------------------------------------------------------------------------
# Bracket text format


def parse_bracket_line(line: str, where: str = "<line>") -> Tuple[str, List[CharSpan]]:
    """Parse "add [milk] and [eggs] to my list" into the text without the
    bracket characters and the conjuncts' character offsets in it.

    Raises ValueError (naming `where`) on nested, unbalanced or empty brackets.
    """
    text: List[str] = []
    spans: List[CharSpan] = []
    start: Optional[int] = None
    length = 0
    for col, char in enumerate(line, start=1):
        if char == "[":
            if start is not None:
                raise ValueError(f"{where}: nested '[' at column {col}: {line!r}")
            start = length
        elif char == "]":
            if start is None:
                raise ValueError(f"{where}: ']' without '[' at column {col}: {line!r}")
            if not "".join(text[start:]).strip():
                raise ValueError(f"{where}: empty conjunct at column {col}: {line!r}")
            spans.append(strip_span("".join(text), start, length))
            start = None
        else:
            text.append(char)
            length += 1
    if start is not None:
        raise ValueError(f"{where}: '[' not closed: {line!r}")
    return "".join(text), spans


def strip_span(text: str, start: int, end: int, trailing: str = "") -> CharSpan:
    """Shrink (start, end) to exclude surrounding whitespace, and at its end
    the characters of `trailing` too (".?!": a final stop)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in trailing):
        end -= 1
    return start, end


def format_bracket_line(text: str, conjuncts: Iterable[CharSpan]) -> str:
    """The bracket-format line of `text` with `conjuncts` (inverse of `parse_bracket_line`)."""
    out, pos = [], 0
    for start, end in sorted(conjuncts):
        out += [text[pos:start], "[", text[start:end], "]"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def doc_to_bracket_line(doc: Doc, spans_key: str = SPANS_KEY) -> str:
    """The bracket-format line of a gold doc."""
    return format_bracket_line(doc.text, [(s.start_char, s.end_char) for s in doc.spans.get(spans_key, [])])


def read_bracket_file(path: Union[str, Path]) -> Iterator[Tuple[int, str, List[CharSpan]]]:
    """(line number, text, conjunct offsets) of every non-blank line of a
    bracket-format file; lines starting with '#' are comments."""
    path = Path(path)
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text, spans = parse_bracket_line(line, f"{path}:{lineno}")
        yield lineno, text, spans


def read_bracket_docs(
    path: Union[str, Path],
    nlp: Optional[Language] = None,
    domain: str = NATURAL_DOMAIN,
    misaligned: Optional[List[str]] = None,
) -> List[Doc]:
    """Gold docs of a bracket-format file; groups inferred with `tags.infer_groups`.

    A line whose conjuncts do not align to tokens raises ValueError (naming
    file and line): hand-written data must be exact. Data from outside the
    project, which is not ours to edit, passes a list as `misaligned`
    instead: such lines are left out and "file:line" of each is appended to it.
    """
    nlp = nlp or spacy.blank("en")
    docs = []
    for lineno, text, spans in read_bracket_file(path):
        doc = make_gold_doc(nlp, text, conjuncts=spans, domain=domain)
        if doc is None:
            if misaligned is None:
                raise ValueError(f"{path}:{lineno}: a conjunct does not align to token boundaries: {text!r}")
            misaligned.append(f"{path}:{lineno}")
            continue
        docs.append(doc)
    return docs


@spacy.registry.readers("spacy-coord.BracketCorpus.v1")
def create_bracket_reader(path: Path, domain: str = NATURAL_DOMAIN) -> Callable[[Language], Iterator[Example]]:
    """A corpus reader for `spacy train` / `spacy evaluate` over a bracket-format file.

    path (Path): The file, one utterance a line, conjuncts in [square brackets].
    domain (str): The domain label given to every doc.
    """

    def read(nlp: Language) -> Iterator[Example]:
        for gold in read_bracket_docs(path, nlp, domain):
            yield Example(nlp.make_doc(gold.text), gold)

    return read


@spacy.registry.readers("spacy-coord.InMemoryCorpus.v1")
def create_in_memory_reader(path: Optional[Path], limit: int = 0) -> Callable[[Language], Iterator[Example]]:
    """`spacy.Corpus.v1` over a `.spacy` file, read from disk once.

    `spacy train` asks for the training data on every epoch and more than
    once while initializing, and `spacy.Corpus.v1` deserializes the DocBin
    each time (slowly: see `msgpack_hooks`). This reader deserializes it once,
    keeps the gold docs and makes fresh predicted docs on each pass.

    path (Optional[Path]): The `.spacy` file (`null` in a config until set,
        e.g. with `--paths.train`).
    limit (int): Read at most this many docs (0: all).
    """
    if path is None:
        raise ValueError(
            "[spacy-coord.InMemoryCorpus.v1] no 'path' given: set it in the config "
            "or on the command line, e.g. `--paths.train corpus/train.spacy`."
        )
    references: List[Doc] = []

    def read(nlp: Language) -> Iterator[Example]:
        if not references:
            with cached_msgpack_hooks():
                references.extend(eg.reference for eg in spacy.training.Corpus(path, limit=limit)(nlp))
        for reference in references:
            yield Example(nlp.make_doc(reference.text), reference)

    return read


# ---------------------------------------------------------------------------
# Gold docs and DocBins


def make_gold_doc(
    nlp: Language,
    text: str,
    groups: Optional[Sequence[Sequence[CharSpan]]] = None,
    conjuncts: Optional[Sequence[CharSpan]] = None,
    domain: Optional[str] = None,
    spans_key: str = SPANS_KEY,
    groups_key: str = GROUPS_KEY,
) -> Optional[Doc]:
    """A gold doc: `doc.spans[spans_key]` the conjuncts (label CONJUNCT),
    `doc.spans[groups_key]` one span per coordination (label COORDINATION),
    both always set, and the domain label.

    groups: The conjuncts of each coordination as character offsets; or
    conjuncts: all conjuncts, grouped with `tags.infer_groups`.
    Neither (or empty): a negative. A group of one conjunct is dropped.
    RETURNS (Optional[Doc]): None when a conjunct does not align to tokens.
    """
    doc = nlp.make_doc(text)
    if groups is None:
        spans = _char_spans(doc, conjuncts or [])
        if spans is None:
            return None
        span_groups = infer_groups(doc, spans)
    else:
        span_groups = []
        for group in groups:
            spans = _char_spans(doc, group)
            if spans is None:
                return None
            span_groups.append(spans)
    span_groups = [group for group in span_groups if len(group) >= 2]
    doc.spans[spans_key] = [span for group in span_groups for span in group]
    doc.spans[groups_key] = [Span(doc, group[0].start, group[-1].end, label=GROUP_LABEL) for group in span_groups]
    set_domain(doc, domain)
    return doc


def _char_spans(doc: Doc, offsets: Iterable[CharSpan]) -> Optional[List[Span]]:
    """Conjunct spans of character offsets (whitespace trimmed, strict
    alignment), sorted; None if any does not align to tokens."""
    spans = []
    for start, end in offsets:
        start, end = strip_span(doc.text, start, end)
        span = doc.char_span(start, end, label=CONJUNCT_LABEL) if start < end else None
        if span is None:
            return None
        spans.append(span)
    return sorted(spans, key=lambda s: (s.start, s.end))


def write_docbin(docs: Iterable[Doc], path: Union[str, Path]) -> int:
    """Write `docs` to a `.spacy` file (user data kept, so domains survive),
    atomically (see `write_atomically`).

    RETURNS (int): The number of docs written.
    """
    docbin = DocBin(store_user_data=True)
    with cached_msgpack_hooks():
        for doc in docs:
            docbin.add(doc)
        data = docbin.to_bytes()
    write_atomically(data, path)
    return len(docbin)


def write_names(names: Iterable[str], path: Union[str, Path]) -> int:
    """Write names as a sorted JSON list, the format `spacy.read_labels.v1`
    reads for `[initialize.components.coord_chunker.names]`, atomically.

    RETURNS (int): The number of names written.
    """
    names = sorted(set(names))
    write_atomically(json.dumps(names, indent=0, ensure_ascii=False).encode("utf8"), path)
    return len(names)


def write_atomically(data: bytes, path: Union[str, Path]) -> None:
    """Write a file through a temporary file in the same folder and
    `os.replace`, so an interrupted write never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file_:
            file_.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_docbin(path: Union[str, Path], vocab: Optional[Vocab] = None) -> List[Doc]:
    """The docs of a `.spacy` file.

    path (Union[str, Path]): The file.
    vocab (Optional[Vocab]): The vocab to give the docs (a new English one if None).
    RETURNS (List[Doc]): The docs, with their spans and user data.
    """
    vocab = vocab or spacy.blank("en").vocab
    with cached_msgpack_hooks():
        return list(DocBin().from_disk(path).get_docs(vocab))
