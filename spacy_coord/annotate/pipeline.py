"""The pipeline of a run: finding and loading it, and what a run needs to
know of it (its span keys and its limit on text length)."""

from pathlib import Path
from typing import Any, Dict, Optional, Union

from spacy.language import Language

from .options import OPTION_FLAGS, AnnotateError


def pipeline_info(nlp: Language) -> Dict[str, Any]:
    """What a run needs to know of its pipeline: the `doc.spans` keys that its
    components declare in their cfg (as coord_chunker does) and its limit on
    text length.

    nlp (Language): The pipeline.
    RETURNS (Dict[str, Any]): {"max_length": int, "spans_key": {component:
        key}, "groups_key": {component: key}}.
    """
    info: Dict[str, Any] = {"max_length": nlp.max_length, "spans_key": {}, "groups_key": {}}
    for name, pipe in nlp.pipeline:
        cfg = getattr(pipe, "cfg", None)
        for setting in ("spans_key", "groups_key"):
            if isinstance(cfg, dict) and isinstance(cfg.get(setting), str):
                info[setting][name] = cfg[setting]
    return info


def check_span_keys(pipeline: Dict[str, Any], spans_key: str, groups_key: str, *, model: str = "the pipeline") -> None:
    """Raise an AnnotateError unless a component of the pipeline sets both keys
    (a typo would otherwise give empty annotations on every line).

    pipeline (Dict[str, Any]): The pipeline's `pipeline_info`.
    spans_key (str): `doc.spans` key of the conjuncts to read.
    groups_key (str): `doc.spans` key of the coordinations to read.
    model (str): The pipeline's name or path, for the message.
    """
    for setting, key, what in (("spans_key", spans_key, "conjuncts"), ("groups_key", groups_key, "coordinations")):
        declared = pipeline[setting]
        if key in declared.values():
            continue
        flag = OPTION_FLAGS[setting]
        if not declared:
            raise AnnotateError(
                f"{flag} '{key}': no component of {model} declares the {what} it sets (cfg['{setting}'], "
                "as coord_chunker does); is coord_chunker in the pipeline?"
            )
        found = ", ".join(f"'{k}' (by {name})" for name, k in declared.items())
        raise AnnotateError(f"{flag} '{key}': no component of {model} sets it; the {what} are set under {found}.")


def find_pipeline(model: str) -> None:
    """Raise an AnnotateError unless `model` is a pipeline folder or an installed package.

    model (str): A path or a package name.
    """
    from spacy.util import is_package

    if not is_package(model) and not Path(model).exists():
        raise AnnotateError(
            f"Can't find pipeline '{model}': give the path of a trained pipeline (e.g. "
            "training/model-last) or the name of an installed pipeline package (pip install it first)."
        )


def load_pipeline(model: str, code_path: Optional[Union[str, Path]] = None) -> Language:
    """Load the pipeline to annotate with.

    model (str): A pipeline folder or an installed package name.
    code_path (Optional[Union[str, Path]]): Python file to import first
        (custom components that are not installed packages).
    RETURNS (Language): The loaded pipeline.
    """
    import spacy
    from spacy.util import import_file

    if code_path is not None:
        if not Path(code_path).exists():
            raise AnnotateError(f"Code file not found: {code_path}")
        import_file("spacy_coord_code", str(code_path))
    find_pipeline(model)
    try:
        return spacy.load(model)
    except Exception as err:  # a damaged folder fails in many ways: msgpack, JSON, config, torch
        reason = " ".join(str(err).split())[:300]
        if "[E002]" in reason:
            hint = (
                "if it uses a custom component, install the package that provides it (pip install spacy-coord) "
                "or pass --code with the file that registers it"
            )
        else:
            hint = "its files may be damaged or incomplete: save, copy or install the pipeline again"
        raise AnnotateError(f"Can't load pipeline '{model}' ({type(err).__name__}: {reason}); {hint}.") from err
