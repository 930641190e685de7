"""The tokens the network sees: every token but whitespace tokens.

spaCy keeps a run of whitespace other than one space as a token of its own
("and\\nturn" gives "and", "\\n", "turn"). Such a token carries no words, but
as input it changes what the encoder and the CRF see: "play some jazz
and\\nturn off the lights" lost its coordination, which the text with one
space has. The encoders build their input from the content tokens only, so
both texts give the network the same sequence; the component gives each
whitespace token the tag its neighbours imply (`tags.fill_whitespace`).
"""

from typing import List

import numpy
from spacy.attrs import IS_SPACE
from spacy.tokens import Doc

# The encoders that read the content tokens only, by model name; any other
# encoder (spaCy's tok2vec layers, listeners) gives one state per token of a
# doc, and the tagger keeps the content tokens' (see `tagger._encode`).
CONTENT_ENCODERS = ("spacy-coord.BiLSTMEncoder.v1", "spacy-coord.TransformerEncoder.v1")


def content_tokens(doc: Doc) -> numpy.ndarray:
    """The indices of the tokens of `doc` that are not whitespace."""
    return numpy.flatnonzero(doc.to_array([IS_SPACE]).reshape(-1) == 0)


def content_lengths(docs: List[Doc]) -> numpy.ndarray:
    """The number of content tokens of each doc, (n_docs,) int64."""
    return numpy.asarray([len(content_tokens(doc)) for doc in docs], dtype="int64")
