"""Thinc builders of the tagger, composed of registered sublayers:
word embedding -> encoder -> tag head (their torch modules in pytorch/)."""

from .embedding import build_word_embedding
from .encoder import build_bilstm_encoder
from .head import TagScores, build_crf_head
from .tagger import CoordBatch, build_coord_tagger

__all__ = [
    "CoordBatch",
    "TagScores",
    "build_bilstm_encoder",
    "build_coord_tagger",
    "build_crf_head",
    "build_word_embedding",
]
