"""Checks of the architectures' settings: a bad value raises a ValueError
that names the architecture and the setting."""

from typing import Any, Dict

from spacy.attrs import intify_attr

from ..errors import Errors

DECODERS = ("crf", "argmax")


def check_settings(name: str, settings: Dict[str, Any]) -> None:
    """Check the settings of the architecture `name` that are present in `settings`."""

    def fail(setting: str, expected: str) -> None:
        raise ValueError(Errors.E001.format(name=name, setting=setting, expected=expected, value=settings[setting]))

    def is_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if "decoder" in settings and settings["decoder"] not in DECODERS:
        fail("decoder", " or ".join(repr(d) for d in DECODERS))
    if "width" in settings and (not is_int(settings["width"]) or settings["width"] < 2):
        fail("width", "an integer >= 2")
    if name.endswith("BiLSTMEncoder.v1") and settings["width"] % 2:
        fail("width", "even (it is split between the two LSTM directions)")
    if "depth" in settings and (not is_int(settings["depth"]) or settings["depth"] < 1):
        fail("depth", "an integer >= 1")
    for setting in ("char_width", "vectors_width", "n_domains", "max_chars"):
        if setting in settings and (not is_int(settings[setting]) or settings[setting] < 0):
            fail(setting, "an integer >= 0")
    if settings.get("char_width", 0) > 0 and (settings["max_chars"] < 1 or settings["char_rows"] < 2):
        fail("max_chars" if settings["max_chars"] < 1 else "char_rows", "positive when char_width > 0")
    if settings.get("adversarial_weight", 0) < 0:
        fail("adversarial_weight", "a number >= 0")
    if "attrs" in settings:
        attrs, rows = settings["attrs"], settings["rows"]
        if not attrs or any(not isinstance(attr, str) or intify_attr(attr) is None for attr in attrs):
            fail("attrs", "a list of spaCy token attributes such as NORM or SHAPE")
        if len(attrs) != len(rows) or any(not is_int(n) or n < 1 for n in rows):
            fail("rows", f"one positive row count per attribute in attrs {list(attrs)}")
