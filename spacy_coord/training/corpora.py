"""Readers of the slot and intent corpora (SNIPS, Schema-Guided Dialogue,
CLINC150) into `Utterance` records, and where their coordinator words stand.

Every reader raises a `ValueError` naming the file and the line (or item)
when its input is malformed.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from ..corpus import CharSpan, read_text

# A slot value: (start_char, end_char, slot_type), end exclusive.
Slot = Tuple[int, int, str]


def _load_json(path: Path) -> object:
    """Parse a JSON file; a syntax error names the file and line."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: malformed JSON: {err.msg}") from None


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


# CLINC150's one intent of all out-of-scope requests.
OUT_OF_SCOPE_INTENT = "oos"


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
# Coordinator words

_COORDINATOR_RE = re.compile(r"(?<![\w'])(?:and|or|nor|plus|&)(?![\w'])", re.IGNORECASE)
# Slot types whose values are coordinations themselves ("patty and I").
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
