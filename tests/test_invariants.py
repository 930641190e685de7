"""Invariants of coord_chunker's output on random and hostile texts (property
tests with hypothesis), through its public behaviour only: `nlp(...)`,
`nlp.pipe`, `doc.spans["coord"]` with `attrs["scores"]` and
`doc.spans["coord_groups"]`."""

import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc

WORDS = ["and", "or", "plus", "as", "well", ",", "call", "mom", "dad", "play", "jazz", "add", "peanut", "butter"]
ODD = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    " \n ",
    "\r\n",
    "\x00",
    "\x07",
    "\x1c",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "🎵",
    "👍🏽",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "e\u0301",
    "和",
    "周杰伦",
    "東京",
    "ş",
    "الجاز",
    "supercalifragilisticexpialidocious" * 8,
]
# Pieces of text, joined with nothing between them: words, whitespace runs, odd characters.
PIECES = st.one_of(
    st.sampled_from(WORDS).map(lambda w: w + " "),
    st.sampled_from(ODD),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)
HOSTILE = [
    "",
    " ",
    "and",
    "\n\n\n",
    "   and   ",
    "play some jazz and\nturn off the kitchen lights",
    "call mom  or dad",
    "mom \n and \n dad",
    "\x00 and \x07",
    "🎵 and 🎶",
    "東京 和 大阪 and 京都",
]
LONG = " ".join(["call mom and dad"] * 1250)  # 5,000 tokens


def annotation(doc: Doc):
    """Conjuncts, their scores and coordinations of a doc, as plain values."""
    scores = [float(s) for s in doc.spans["coord"].attrs["scores"]]
    return (
        [(s.start, s.end) for s in doc.spans["coord"]],
        scores,
        [(g.start, g.end) for g in doc.spans["coord_groups"]],
    )


def check_invariants(doc: Doc) -> None:
    conjuncts, scores, groups = annotation(doc)
    for start, end in conjuncts + groups:
        assert 0 <= start < end <= len(doc)
    for span in doc.spans["coord"]:
        assert not span[0].is_space and not span[-1].is_space, repr(span.text)
    assert len(scores) == len(conjuncts)
    assert all(math.isfinite(s) and 0.0 <= s <= 1.0 for s in scores)
    for start, end in conjuncts:
        assert sum(g_start <= start and end <= g_end for g_start, g_end in groups) == 1
    for g_start, g_end in groups:
        inside = [c for c in conjuncts if g_start <= c[0] and c[1] <= g_end]
        assert len(inside) >= 2
        assert (inside[0][0], inside[-1][1]) == (g_start, g_end)  # first conjunct to last


def check_batch(nlp, texts) -> None:
    """Invariants on every doc, and nlp.pipe batched == one by one."""
    batched = list(nlp.pipe(texts, batch_size=len(texts)))
    for text, doc in zip(texts, batched):
        check_invariants(doc)
        conjuncts, scores, groups = annotation(nlp(text))
        b_conjuncts, b_scores, b_groups = annotation(doc)
        assert (b_conjuncts, b_groups) == (conjuncts, groups), repr(text)
        assert all(abs(a - b) < 1e-4 for a, b in zip(b_scores, scores))


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts=st.lists(TEXTS, min_size=1, max_size=6))
@example(texts=HOSTILE)
@example(texts=[LONG, "call mom and dad", ""])
def test_invariants_on_random_and_hostile_texts(trained_nlp, texts):
    check_batch(trained_nlp, texts)
