"""Read the corpora (SNIPS, Schema-Guided Dialogue, CLINC150, bracket text)
into `Utterance` records, turn conjunct offsets into gold `Doc`s, and write
`.spacy` files atomically.

Every reader raises a `ValueError` naming the file and the line (or item)
when its input is malformed. Nothing here loads a statistical pipeline.
"""
import json
import os
import re
import tempfile
from dataclasses import dataclass
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

# A slot value: (start_char, end_char, slot_type), end exclusive.
Slot = Tuple[int, int, str]
# A conjunct as character offsets (start, end), end exclusive.
CharSpan = Tuple[int, int]

NATURAL_DOMAIN = "natural"


@dataclass(frozen=True)
class Utterance:
    """One utterance of a slot or intent corpus.

    text (str): The utterance.
    slots (Tuple[Slot, ...]): Slot values as (start, end, slot_type) character
        offsets into `text`, sorted and non-overlapping (empty for intent corpora).
    domain (str): Its domain (SNIPS intent, SGD service family, CLINC150 domain).
    source (str): The corpus it comes from ("snips", "sgd", "clinc150").
    uid (str): A unique id of the source utterance ("sgd/train/17").
    intent (str): Its intent, where the corpus gives one per utterance
        (CLINC150); else "".
    """

    text: str
    slots: Tuple[Slot, ...] = ()
    domain: str = ""
    source: str = ""
    uid: str = ""
    intent: str = ""

    def segments(self) -> List[Tuple[str, Optional[str]]]:
        """The text cut into pieces: (text, slot_type) for slot values and
        (text, None) for the text between them; joined they give `text`."""
        pieces: List[Tuple[str, Optional[str]]] = []
        pos = 0
        for start, end, slot in self.slots:
            if start > pos:
                pieces.append((self.text[pos:start], None))
            pieces.append((self.text[start:end], slot))
            pos = end
        if pos < len(self.text):
            pieces.append((self.text[pos:], None))
        return pieces

    def slot_values(self) -> List[Tuple[str, str]]:
        """(slot_type, value text) of every slot."""
        return [(slot, self.text[start:end]) for start, end, slot in self.slots]


def utterance_from_segments(
    segments: Iterable[Tuple[str, Optional[str]]], domain: str, source: str, uid: str
) -> Utterance:
    """Build an `Utterance` from (text, slot_type or None) pieces."""
    text, slots = "", []
    for piece, slot in segments:
        if slot is not None and piece:
            slots.append((len(text), len(text) + len(piece), slot))
        text += piece
    return Utterance(text, tuple(slots), domain, source, uid)


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


def _load_json(path: Path) -> object:
    """Parse a JSON file; a syntax error names the file and line."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: malformed JSON: {err.msg}") from None


# ---------------------------------------------------------------------------
# Slot corpora


def _check_slots(text: str, slots: Sequence[Slot], where: str) -> Tuple[Slot, ...]:
    """Check slot offsets (out of range: ValueError naming `where`), sort
    them and keep one of overlapping slots (the longer one: SGD frames may
    label "Century at Hayward" and "Hayward" both)."""
    for slot in slots:
        start, end, _ = slot
        if not (0 <= start < end <= len(text)):
            raise ValueError(f"{where}: slot {list(slot)} out of range for a text of {len(text)} characters")
    kept: List[Slot] = []
    for slot in sorted(set(slots), key=lambda s: (s[0] - s[1], s[0], s[2])):
        if all(slot[1] <= k[0] or k[1] <= slot[0] for k in kept):
            kept.append(slot)
    return tuple(sorted(kept))


def read_snips_file(path: Union[str, Path]) -> List[Utterance]:
    """Read one SNIPS file (`{"<Intent>": [{"data": [{"text": ..., "entity": ...}]}]}`).

    Slot values are stripped of surrounding whitespace (moved outside the slot).
    The domain is the intent.
    """
    path = Path(path)
    data = _load_json(path)
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}:1: expected an object mapping an intent to its utterances")
    utterances: List[Utterance] = []
    for intent, items in data.items():
        if not isinstance(items, list):
            raise ValueError(f"{path}: intent {intent!r}: expected a list of utterances")
        for i, item in enumerate(items):
            where = f"{path}: {intent} utterance {i}"
            pieces = item.get("data") if isinstance(item, dict) else None
            if not isinstance(pieces, list):
                raise ValueError(f"{where}: expected an object with a 'data' list")
            segments: List[Tuple[str, Optional[str]]] = []
            for piece in pieces:
                if not isinstance(piece, dict) or not isinstance(piece.get("text"), str):
                    raise ValueError(f"{where}: every piece needs a 'text' string, got {piece!r}")
                segments.extend(_strip_slot_piece(piece["text"], piece.get("entity")))
            utt = utterance_from_segments(segments, intent, "snips", f"snips/{path.stem}/{i}")
            utterances.append(_strip_utterance(utt))
    return utterances


def _strip_slot_piece(text: str, slot: Optional[str]) -> List[Tuple[str, Optional[str]]]:
    """Move whitespace around a slot value out of the slot."""
    if slot is None:
        return [(text, None)]
    core = text.strip()
    if not core:
        return [(text, None)]
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return [(lead, None), (core, slot), (trail, None)]


def _strip_utterance(utt: Utterance) -> Utterance:
    """Strip leading/trailing whitespace of the text, shifting the slots."""
    lead = len(utt.text) - len(utt.text.lstrip())
    text = utt.text.strip()
    slots = tuple((s - lead, e - lead, name) for s, e, name in utt.slots)
    return Utterance(text, slots, utt.domain, utt.source, utt.uid)


def read_snips(directory: Union[str, Path]) -> List[Utterance]:
    """Read every `*.json` file of a SNIPS folder (sorted by name)."""
    directory = Path(directory)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise ValueError(f"{directory}: no SNIPS *.json files")
    return [utt for path in files for utt in read_snips_file(path)]


def service_family(service: str) -> str:
    """The SGD service family: "Restaurants_1" -> "Restaurants"."""
    return service.split("_", 1)[0]


def read_sgd_file(path: Union[str, Path], limit: int = 0) -> Iterator[Utterance]:
    """Read SGD user turns, one JSON object a line:
    `{"text": ..., "services": ["Restaurants_1"], "slots": [[start, end, slot]], ...}`.

    The domain is the first service's family. Blank lines are skipped.
    limit (int): Stop after this many turns (0: all).
    """
    path = Path(path)
    count = 0
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: malformed JSON: {err.msg}") from None
        yield _sgd_utterance(record, where, f"sgd/{path.stem}/{lineno}")
        count += 1
        if limit and count >= limit:
            return


def _sgd_utterance(record: object, where: str, uid: str) -> Utterance:
    """Validate one SGD record and turn it into an `Utterance`."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ValueError(f"{where}: expected an object with a 'text' string")
    services = record.get("services") or []
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise ValueError(f"{where}: 'services' must be a list of strings")
    raw_slots = record.get("slots") or []
    slots = []
    for slot in raw_slots if isinstance(raw_slots, list) else [raw_slots]:
        if not (
            isinstance(slot, (list, tuple))
            and len(slot) == 3
            and isinstance(slot[0], int)
            and isinstance(slot[1], int)
            and isinstance(slot[2], str)
        ):
            raise ValueError(f"{where}: a slot must be [start, end, name], got {slot!r}")
        slots.append(tuple(slot))
    text = record["text"]
    domain = service_family(services[0]) if services else "sgd"
    return Utterance(text, _check_slots(text, slots, where), domain, "sgd", uid)


def read_sgd(directory: Union[str, Path], limit: int = 0) -> List[Utterance]:
    """Read `train.jsonl`, `dev.jsonl`, `test.jsonl` (those present) of an SGD folder.

    limit (int): At most this many turns in all (0: all), taken evenly from the files.
    """
    directory = Path(directory)
    files = [directory / f"{name}.jsonl" for name in ("train", "dev", "test")]
    files = [path for path in files if path.exists()] or sorted(directory.glob("*.jsonl"))
    if not files:
        raise ValueError(f"{directory}: no SGD *.jsonl files")
    per_file = -(-limit // len(files)) if limit else 0
    return [utt for path in files for utt in read_sgd_file(path, per_file)]


def read_clinc150(directory: Union[str, Path], parts: Optional[Sequence[str]] = None) -> List[Utterance]:
    """Read CLINC150 `data_full.json` with the domains of `domains.json`.

    parts (Optional[Sequence[str]]): The parts to read ("train", "val", "test",
        "oos_train", ...); all when None. Out-of-scope utterances get the domain
        "out_of_scope".
    """
    directory = Path(directory)
    data_path, domains_path = directory / "data_full.json", directory / "domains.json"
    data, domains = _load_json(data_path), _load_json(domains_path)
    if not isinstance(domains, dict):
        raise ValueError(f"{domains_path}:1: expected an object mapping a domain to its intents")
    intent_domain = {intent: domain for domain, intents in domains.items() for intent in intents}
    intent_domain[OUT_OF_SCOPE_INTENT] = "out_of_scope"
    if not isinstance(data, dict):
        raise ValueError(f"{data_path}:1: expected an object mapping a part to its utterances")
    utterances = []
    for part in parts or list(data):
        if part not in data:
            raise ValueError(f"{data_path}: no part {part!r} (has {sorted(data)})")
        for i, item in enumerate(data[part]):
            if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise ValueError(f"{data_path}: {part} item {i}: expected [text, intent], got {item!r}")
            text, intent = item
            if intent not in intent_domain:
                raise ValueError(f"{data_path}: {part} item {i}: intent {intent!r} not in {domains_path.name}")
            uid = f"clinc150/{part}/{i}"
            utterances.append(Utterance(text.strip(), (), intent_domain[intent], "clinc150", uid, intent))
    return utterances


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
    path: Union[str, Path], nlp: Optional[Language] = None, domain: str = NATURAL_DOMAIN
) -> List[Doc]:
    """Gold docs of a bracket-format file; groups inferred with `tags.infer_groups`.

    A line whose conjuncts do not align to tokens raises ValueError (naming
    file and line): hand-written data must be exact.
    """
    nlp = nlp or spacy.blank("en")
    docs = []
    for lineno, text, spans in read_bracket_file(path):
        doc = make_gold_doc(nlp, text, conjuncts=spans, domain=domain)
        if doc is None:
            raise ValueError(f"{path}:{lineno}: a conjunct does not align to token boundaries: {text!r}")
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
    doc.spans[groups_key] = [
        Span(doc, group[0].start, group[-1].end, label=GROUP_LABEL) for group in span_groups
    ]
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


_COORDINATOR_RE = re.compile(r"(?<![\w'])(?:and|or|nor|plus|&)(?![\w'])", re.IGNORECASE)
# Slot types whose values are coordinations themselves ("patty and I").
# CLINC150's one intent of all out-of-scope requests.
OUT_OF_SCOPE_INTENT = "oos"
COORDINATING_SLOTS = frozenset({"party_size_description"})


def coordinator_offsets(text: str) -> List[CharSpan]:
    """Character offsets of the coordinator words ("and", "or", "nor", "plus",
    "&") in `text`; "OR" in capitals and ", Or" are the state (Portland, OR)."""
    offsets = []
    for match in _COORDINATOR_RE.finditer(text):
        word = match.group()
        if word == "OR" or (word == "Or" and text[: match.start()].rstrip().endswith(",")):
            continue
        offsets.append(match.span())
    return offsets


def _in_name(utt: Utterance, start: int, end: int) -> bool:
    """Whether [start, end) lies inside a slot value that is one name."""
    return any(a <= start and end <= b and slot not in COORDINATING_SLOTS for a, b, slot in utt.slots)


def outside_coordinators(utt: Utterance) -> List[CharSpan]:
    """Coordinator words of `utt` outside every slot value (or inside a slot
    whose values are coordinations, see `COORDINATING_SLOTS`)."""
    return [(s, e) for s, e in coordinator_offsets(utt.text) if not _in_name(utt, s, e)]


def inside_coordinators(utt: Utterance) -> List[CharSpan]:
    """Coordinator words of `utt` inside a slot value that is one name ("simon and garfunkel")."""
    return [(s, e) for s, e in coordinator_offsets(utt.text) if _in_name(utt, s, e)]
