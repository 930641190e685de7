"""How a coord_chunker is saved and loaded: as spaCy's trainable pipes do
(`cfg`, `vocab`, `model`), and the names it keeps whole in a file of their
own, `names.json` (a JSON list of strings, the format `spacy.read_labels.v1`
reads), as spaCy's SpanRuler keeps `patterns.jsonl`: a list that grows with
an app's catalog stays out of the settings, and can be read or replaced alone.

Pipelines saved by spacy-coord 0.1.0 hold the names inside `cfg` and no
`names.json`: they load as before (the names come from `cfg`), since trained
and packaged pipelines of that version are in use; saving them again writes
the new layout.

Whatever fails in reading the component's files names the file, with a coded
error (E023), instead of the raw message of the library that read it
(msgpack's "Unpack failed: incomplete input", safetensors' "header too
large", thinc's "'int' object is not iterable", ...); a missing file is E007.
"""

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

import srsly
from spacy import util
from spacy.errors import Errors as SpacyErrors
from thinc.api import Model

from .errors import Errors

if TYPE_CHECKING:
    from .component import CoordChunker

NAMES_FILE = "names.json"
# Where spacy-coord 0.1.0 kept the names: a key of cfg.
LEGACY_NAMES_KEY = "names"


def to_bytes(chunker: "CoordChunker", exclude: Iterable[str]) -> bytes:
    """The component as a bytestring: cfg, vocab, model and names."""
    serialize: Dict[str, Callable[[], bytes]] = {
        "cfg": lambda: srsly.json_dumps(chunker.cfg),
        "vocab": lambda: chunker.vocab.to_bytes(exclude=exclude),
        "model": chunker.model.to_bytes,
        "names": lambda: srsly.json_dumps(chunker.names),
    }
    return util.to_bytes(serialize, exclude)


def from_bytes(chunker: "CoordChunker", bytes_data: bytes, exclude: Iterable[str]) -> Optional[List[str]]:
    """Load cfg, vocab and model into the component from `to_bytes`' output.
    Raises a ValueError (E023) naming the component when the bytes are damaged.

    RETURNS (Optional[List[str]]): The saved names; None when the bytes
        hold none (excluded, or saved by spacy-coord 0.1.0: see `saved_names`).
    """
    names: List[List[str]] = []
    deserialize: Dict[str, Callable[[bytes], Any]] = {
        "cfg": lambda b: chunker.cfg.update(_checked_cfg(srsly.json_loads(b))),
        "vocab": lambda b: chunker.vocab.from_bytes(b, exclude=exclude),
        "model": lambda b: _load_model(chunker.model, b),
        "names": lambda b: names.append(_checked_names(srsly.json_loads(b))),
    }
    with naming(f"the bytes of component '{chunker.name}'"):
        util.from_bytes(bytes_data, deserialize, exclude)
    return names[0] if names else None


def to_disk(chunker: "CoordChunker", path: Path, exclude: Iterable[str]) -> None:
    """Save the component into the folder `path`: cfg, vocab, model, names.json."""
    serialize: Dict[str, Callable[[Path], Any]] = {
        "cfg": lambda p: srsly.write_json(p, chunker.cfg),
        "vocab": lambda p: chunker.vocab.to_disk(p, exclude=exclude),
        "model": lambda p: p.write_bytes(chunker.model.to_bytes()),
        NAMES_FILE: lambda p: srsly.write_json(p, chunker.names),
    }
    util.to_disk(path, serialize, exclude)


def from_disk(chunker: "CoordChunker", path: Path, exclude: Iterable[str]) -> Optional[List[str]]:
    """Load cfg, vocab and model into the component from the folder `path`.
    Raises a ValueError naming the file when one of the component's files
    is missing (E007) or damaged (E023).

    RETURNS (Optional[List[str]]): The saved names; None when they are
        excluded, or the folder was saved by spacy-coord 0.1.0.
    """
    for name in ("cfg", "model"):
        if name not in exclude:
            check_present(path / name)
    names: List[List[str]] = []

    def read_names(p: Path) -> None:
        if p.exists():
            with naming(p):
                names.append(_checked_names(srsly.read_json(p)))
        elif LEGACY_NAMES_KEY not in chunker.cfg:  # not 0.1.0's layout either
            raise ValueError(Errors.E007.format(path=p))

    deserialize: Dict[str, Callable[[Path], Any]] = {
        "cfg": lambda p: chunker.cfg.update(read_cfg(p)),
        "vocab": lambda p: chunker.vocab.from_disk(p, exclude=exclude),
        "model": lambda p: read_model(chunker.model, p),
        NAMES_FILE: read_names,
    }
    util.from_disk(path, deserialize, exclude)
    return names[0] if names else None


def saved_names(cfg: Dict[str, Any], names: Optional[List[str]]) -> Optional[List[str]]:
    """The names a loaded component keeps whole: those of its names file,
    else those in a cfg saved by spacy-coord 0.1.0 (the key is removed from
    `cfg`); None when neither holds any (the names were excluded)."""
    legacy = cfg.pop(LEGACY_NAMES_KEY, None)
    return names if names is not None else legacy


@contextlib.contextmanager
def naming(what: Union[str, Path]) -> Iterator[None]:
    """Raise any error of the block as a ValueError (E023) that names `what`,
    keeping the original message (and its code, if it has one) as the reason.

    what (Union[str, Path]): The file, or a description of the bytes, read.
    """
    try:
        yield
    except Exception as err:  # msgpack, JSON, safetensors, torch and thinc fail in many ways
        reason = " ".join(str(err).split())[:300] or "no message"
        if not reason.startswith("[E"):
            reason = f"{type(err).__name__}: {reason}"
        raise ValueError(Errors.E023.format(path=what, reason=reason)) from err


def read_cfg(path: Path) -> Dict[str, Any]:
    """The component's settings, saved as JSON in `path`."""
    check_present(path)
    with naming(path):
        return _checked_cfg(srsly.read_json(path))


def read_model(model: Model, path: Path) -> None:
    """Load the model's weights from `path` (see `models.torch_layer`)."""
    check_present(path)
    with naming(path):
        _load_model(model, path.read_bytes())


def check_present(path: Path) -> None:
    """Raise a ValueError (E007) naming `path` when it is missing."""
    if not path.exists():
        raise ValueError(Errors.E007.format(path=path))


def _checked_cfg(cfg: Any) -> Dict[str, Any]:
    if not isinstance(cfg, dict):
        raise ValueError(f"it holds {type(cfg).__name__}, not the settings' object")
    return cfg


def _checked_names(names: Any) -> List[str]:
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError(f"it holds {type(names).__name__}, not a list of names")
    return names


def _load_model(model: Model, data: bytes) -> None:
    try:
        model.from_bytes(data)
    except AttributeError:  # as TrainablePipe: the config's model is another
        raise ValueError(SpacyErrors.E149) from None
