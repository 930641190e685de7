"""Tag constraints at prediction: the tags that would split a known name
(`names.NameLexicon`) or a spoken number (`numbers`) are forbidden before
decoding, so the decoder keeps both whole."""

from typing import List, Optional

import numpy
from spacy.tokens import Doc

from .models.pytorch.crf import FORBIDDEN
from .names import NameLexicon
from .numbers import forbidden_in_numbers


def constrain_emissions(
    emissions: numpy.ndarray, docs: List[Doc], content: List[numpy.ndarray], names: Optional[NameLexicon]
) -> numpy.ndarray:
    """Set to FORBIDDEN, in place, the emissions of the tags that split a
    known name or a spoken number.

    emissions (numpy.ndarray): (n_docs, length, n_tags) the scores of the
        docs' content tokens (`models.content.content_tokens`).
    docs (List[Doc]): The docs.
    content (List[numpy.ndarray]): Per doc, the indices of its content tokens.
    names (Optional[NameLexicon]): The names kept whole; None or empty for none.
    RETURNS (numpy.ndarray): `emissions`.
    """
    for row, (doc, tokens) in enumerate(zip(docs, content)):
        for forbidden in (names.forbidden_tags(doc) if names else None, forbidden_in_numbers(doc)):
            if forbidden is not None:
                emissions[row, : len(tokens)][forbidden[tokens]] = FORBIDDEN
    return emissions
