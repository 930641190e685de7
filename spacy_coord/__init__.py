"""spacy-coord: find coordinations and their conjuncts in spoken-language utterances."""
from .component import CoordChunker, make_coord_chunker
from .domain import get_domain, set_domain
from .models.bilstm_crf import build_bilstm_crf_tagger
from .scoring import make_coord_scorer, score_coord
from .split import SplitUtterance, split_docs, split_utterances

__all__ = [
    "CoordChunker",
    "make_coord_chunker",
    "build_bilstm_crf_tagger",
    "make_coord_scorer",
    "score_coord",
    "get_domain",
    "set_domain",
    "split_utterances",
    "split_docs",
    "SplitUtterance",
]
