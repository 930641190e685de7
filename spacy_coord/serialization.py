"""Reading a coord_chunker's files: whatever fails names the file, with a
coded error, instead of the raw message of the library that read it
(msgpack's "Unpack failed: incomplete input", safetensors' "header too
large", thinc's "'int' object is not iterable", ...)."""

import contextlib
from pathlib import Path
from typing import Any, Dict, Iterator, Union

import srsly
from thinc.api import Model

from .errors import Errors


@contextlib.contextmanager
def naming(what: Union[str, Path]) -> Iterator[None]:
    """Raise any error of the block as a ValueError (E016) that names `what`,
    keeping the original message (and its code, if it has one) as the reason.

    what (Union[str, Path]): The file, or a description of the bytes, read.
    """
    try:
        yield
    except Exception as err:  # msgpack, JSON, safetensors, torch and thinc fail in many ways
        reason = " ".join(str(err).split())[:300] or "no message"
        if not reason.startswith("[E"):
            reason = f"{type(err).__name__}: {reason}"
        raise ValueError(Errors.E016.format(path=what, reason=reason)) from err


def read_cfg(path: Path) -> Dict[str, Any]:
    """The component's settings, saved as JSON in `path`."""
    check_present(path)
    with naming(path):
        cfg = srsly.read_json(path)
        if not isinstance(cfg, dict):
            raise ValueError(f"it holds {type(cfg).__name__}, not the settings' object")
    return cfg


def read_model(model: Model, path: Path) -> None:
    """Load the model's weights from `path` (see `models.torch_layer`)."""
    check_present(path)
    with naming(path):
        model.from_bytes(path.read_bytes())


def check_present(path: Path) -> None:
    """Raise a ValueError (E007) naming `path` when it is missing."""
    if not path.exists():
        raise ValueError(Errors.E007.format(path=path))
