"""A teacher's tag probabilities on a doc: the soft targets a student
learns from (see `CoordChunker.predict_tag_probs` and scripts/teach.py).

They travel in `doc.user_data`, which `DocBin(store_user_data=True)` keeps,
as float16 bytes: a tenth of the size of a list of floats.
"""

from typing import Optional

import numpy
from spacy.tokens import Doc

from .tags import TAGS

USER_DATA_KEY = "coord_tag_probs"


def set_tag_probs(doc: Doc, probs: numpy.ndarray) -> None:
    """Store per-token tag probabilities on `doc`.

    doc (Doc): The doc.
    probs (numpy.ndarray): (len(doc), n_tags) probabilities, rows summing to 1.
    """
    probs = numpy.asarray(probs)
    if probs.shape != (len(doc), len(TAGS)):
        raise ValueError(
            f"Tag probabilities of shape {probs.shape} for a doc of {len(doc)} tokens and {len(TAGS)} tags"
        )
    doc.user_data[USER_DATA_KEY] = probs.astype("float16").tobytes()


def get_tag_probs(doc: Doc) -> Optional[numpy.ndarray]:
    """The tag probabilities stored on `doc`, (len(doc), n_tags) float32, or None."""
    data = doc.user_data.get(USER_DATA_KEY)
    if data is None:
        return None
    probs = numpy.frombuffer(data, dtype="float16").astype("float32")
    if probs.size != len(doc) * len(TAGS):
        return None  # not this doc's (the doc was retokenized)
    return probs.reshape(len(doc), len(TAGS))
