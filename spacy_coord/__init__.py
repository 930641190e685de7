"""spacy-coord: find coordinations and their conjuncts in spoken-language utterances."""

from .component import CoordChunker, make_coord_chunker
from .domain import get_domain, set_domain
from .models import build_bilstm_encoder, build_coord_tagger, build_crf_head, build_word_embedding
from .scoring import make_coord_scorer, score_coord
from .split import SplitUtterance, split_docs, split_utterances

__all__ = [
    "CoordChunker",
    "make_coord_chunker",
    "build_coord_tagger",
    "build_bilstm_encoder",
    "build_word_embedding",
    "build_crf_head",
    "make_coord_scorer",
    "score_coord",
    "get_domain",
    "set_domain",
    "split_utterances",
    "split_docs",
    "SplitUtterance",
]
