"""Look srsly's msgpack hooks up once per DocBin read or write, not per call.

srsly asks catalogue for its registered msgpack encoders or decoders on
every (de)serialization, and each lookup walks all installed entry points and
the whole function registry: about 1 ms per call inside `spacy train`. A
DocBin (de)serializes each doc's user data and span groups separately, so a
pass over 60,000 training docs took several minutes, most of it in that
lookup. The hooks cannot change while one file is read or written.
"""

import contextlib
from typing import Iterator

from srsly.msgpack import msgpack_decoders, msgpack_encoders


@contextlib.contextmanager
def cached_msgpack_hooks() -> Iterator[None]:
    """Within the block, srsly's hook registries return the hooks found on entry.

    Use it around a whole read or write, not around a generator that yields
    to other code.
    """
    registries = (msgpack_encoders, msgpack_decoders)
    for registry in registries:
        hooks = registry.get_all()
        registry.get_all = lambda hooks=hooks: dict(hooks)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for registry in registries:
            del registry.get_all  # the class's own method shows through again
