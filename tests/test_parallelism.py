"""Rescoring the CRF's best tag sequences by the parallelism of their conjuncts."""

import itertools

import numpy
import pytest

from spacy_coord import decoding
from spacy_coord.parallelism import UNKNOWN_COSINE, conjunct_lengths, conjunct_spans, head_unlikeness, imbalance
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START, B, C, I, O, is_valid

# Scores of the tag constraints, as the CRF adds them to its transitions.
TRANSITIONS = numpy.where(ALLOWED, 0.0, -1e4)
START = numpy.where(ALLOWED_START, 0.0, -1e4)
END = numpy.where(ALLOWED_END, 0.0, -1e4)


def path_score(emissions, path):
    score = START[path[0]] + END[path[-1]] + sum(emissions[t, tag] for t, tag in enumerate(path))
    return score + sum(TRANSITIONS[a, b] for a, b in zip(path, path[1:]))


@pytest.mark.parametrize(
    "tags,lengths,expected",
    [
        ([O, O, O], [], 0.0),
        ([B, B, C, B], [[1, 1, 1]], 0.0),  # monday wednesday and friday
        ([B, I, C, B], [[2, 1]], 1.0),  # monday wednesday | friday
        ([O, B, I, C, B, I, I, O, B, C, B], [[2, 3], [1, 1]], 1.0),
        ([B, C, B, I, I, I, I], [[1, 5]], 4.0),
    ],
)
def test_imbalance_is_the_distance_of_conjunct_lengths_from_their_median(tags, lengths, expected):
    assert conjunct_lengths(tags) == lengths
    assert imbalance(tags) == expected
    assert imbalance(numpy.asarray(tags)) == expected


def test_conjunct_spans_are_token_offsets_per_coordination():
    assert conjunct_spans([O, B, B, C, B]) == [[(1, 2), (2, 3), (4, 5)]]
    assert conjunct_spans(numpy.asarray([B, I, C, B, I, I, O, O, B, C, B])) == [[(0, 2), (3, 6)], [(8, 9), (10, 11)]]
    assert conjunct_spans([O, O]) == []


# "my workout playlist and my chill playlist": the words' unit vectors, in
# two dimensions: "playlist" is unlike "chill" (cosine 0), "my" like itself.
PLAYLIST, CHILL, MY = [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]
PLAYLISTS = numpy.array([MY, CHILL, PLAYLIST, [0.0, 0.0], MY, CHILL, PLAYLIST])


@pytest.mark.parametrize(
    "tags,expected",
    [
        ([O] * 7, 0.0),
        ([B, I, I, C, B, I, I], 0.0),  # [my workout playlist] and [my chill playlist]
        ([B, I, I, C, B, I, O], 1.0),  # ... and [my chill]: playlist / chill
        ([B, I, O, O, B, I, I], 0.0),  # one conjunct per coordination: no neighbours
        ([O, B, B, C, B, I, I], 0.5),  # chill / playlist (1), then playlist / playlist (0)
    ],
)
def test_head_unlikeness_compares_the_last_words_of_neighbouring_conjuncts(tags, expected):
    assert head_unlikeness(tags, PLAYLISTS) == pytest.approx(expected)


def test_a_word_without_a_vector_is_neither_alike_nor_unrelated():
    vectors = numpy.array([MY, [0.0, 0.0], [0.0, 0.0]])
    assert head_unlikeness([B, C, B], vectors) == pytest.approx(1.0 - UNKNOWN_COSINE)


def cut_short_emissions():
    """The playlists, where the CRF slightly prefers "[my chill]" (B I I C B I O)
    to "[my chill playlist]" (B I I C B I I)."""
    emissions = numpy.full((1, 7, 4), -5.0)
    for t, tag in enumerate([B, I, I, C, B, I]):
        emissions[0, t, tag] = 5.0
    emissions[0, 6, O], emissions[0, 6, I] = 5.0, 4.5
    return emissions


@pytest.mark.parametrize(
    "weight,expected", [(0.0, [B, I, I, C, B, I, O]), (0.3, [B, I, I, C, B, I, O]), (1.0, [B, I, I, C, B, I, I])]
)
def test_conjuncts_alike_in_their_last_words_win_when_the_weight_outweighs_the_score(weight, expected):
    best, _ = decoding.decode_with_confidences(
        cut_short_emissions(),
        numpy.array([7]),
        TRANSITIONS,
        START,
        END,
        B,
        similarity_weight=weight,
        unit_vectors=PLAYLISTS[None],
    )
    assert best[0].tolist() == expected


@pytest.mark.parametrize("seed", range(5))
def test_k_best_are_the_best_sequences_by_brute_force(seed):
    rng = numpy.random.default_rng(seed)
    emissions = rng.normal(size=(2, 5, 4)) * 3
    lengths = numpy.array([5, 3])
    paths, scores = decoding.k_best(emissions, lengths, TRANSITIONS, START, END, 4)
    for row, n in enumerate(lengths):
        every = sorted((path_score(emissions[row], p) for p in itertools.product(range(4), repeat=n)), reverse=True)
        numpy.testing.assert_allclose(sorted(scores[row], reverse=True), every[:4], rtol=1e-9)
        for path, score in zip(paths[row], scores[row]):
            assert is_valid(path[:n].tolist())
            assert path_score(emissions[row], path[:n]) == pytest.approx(score)
        # The best of the k is the Viterbi sequence.
        viterbi = decoding.viterbi(emissions[row : row + 1], lengths[row : row + 1], TRANSITIONS, START, END)
        assert paths[row][numpy.argmax(scores[row])][:n].tolist() == viterbi[0, :n].tolist()


def test_a_short_row_has_fewer_sequences_than_k():
    emissions = numpy.zeros((1, 1, 4))
    paths, scores = decoding.k_best(emissions, numpy.array([1]), TRANSITIONS, START, END, 6)
    finite = numpy.isfinite(scores[0])
    assert finite.sum() == 4  # one token: one sequence per tag, I and C forbidden but finite
    assert sorted(paths[0][finite][:, 0].tolist()) == [O, B, I, C]


def merged_list_emissions():
    """ "monday wednesday and friday", where the CRF slightly prefers
    "monday wednesday" as one conjunct (B I C B) to two (B B C B)."""
    emissions = numpy.full((1, 4, 4), -5.0)
    emissions[0, 0, B] = emissions[0, 2, C] = emissions[0, 3, B] = 5.0
    emissions[0, 1, I], emissions[0, 1, B] = 5.0, 4.8
    return emissions


@pytest.mark.parametrize("weight,expected", [(0.0, [B, I, C, B]), (0.1, [B, I, C, B]), (0.5, [B, B, C, B])])
def test_parallel_conjuncts_win_when_the_weight_outweighs_the_score(weight, expected):
    emissions = merged_list_emissions()
    args = (emissions, numpy.array([4]), TRANSITIONS, START, END, B)
    best, confidences = decoding.decode_with_confidences(*args, parallelism_weight=weight)
    assert best[0].tolist() == expected
    # The confidences are those of the chosen tags.
    marginals = decoding.marginals(*args[:5])[0]
    numpy.testing.assert_allclose(confidences[0], marginals[numpy.arange(4), expected], rtol=1e-5)


@pytest.mark.parametrize("seed", range(10))
def test_rescoring_picks_the_best_of_the_top_sequences_by_brute_force(seed):
    # Rows the decoder leaves unsearched (parallel, or too probable to lose)
    # must come out as a full search of the top N_BEST would have them.
    rng = numpy.random.default_rng(seed)
    emissions = rng.normal(size=(6, 5, 4))
    emissions[:, :, B] += 1.5  # coordinations in most rows
    emissions[:, 2, C] += 2.0
    lengths = numpy.array([5, 5, 4, 5, 3, 5])
    vectors = rng.normal(size=(6, 5, 3))
    unit = vectors / numpy.linalg.norm(vectors, axis=2, keepdims=True)
    weight, similarity_weight = (1.0, 0.0) if seed % 2 else (0.5, 1.0)
    best, _ = decoding.decode_with_confidences(
        emissions, lengths, TRANSITIONS, START, END, B, weight, similarity_weight, unit
    )

    def penalty(row, path):
        return weight * imbalance(path) + similarity_weight * head_unlikeness(path, unit[row])

    for row, n in enumerate(lengths):
        ranked = sorted(itertools.product(range(4), repeat=n), key=lambda p: -path_score(emissions[row], p))
        top = ranked[: decoding.N_BEST]
        if B not in ranked[0]:
            assert best[row, :n].tolist() == list(ranked[0])
            continue
        expected = max(top, key=lambda p: path_score(emissions[row], p) - penalty(row, p))
        assert best[row, :n].tolist() == list(expected)


def test_a_sequence_too_probable_to_lose_is_not_searched(monkeypatch):
    emissions = merged_list_emissions()
    emissions[0, 1, B] = -5.0  # "monday wednesday" is now surely one conjunct

    def no_search(*args):
        raise AssertionError("searched a row no other sequence could win")

    monkeypatch.setattr(decoding, "k_best", no_search)
    best, _ = decoding.decode_with_confidences(
        emissions, numpy.array([4]), TRANSITIONS, START, END, B, parallelism_weight=0.5
    )
    assert best[0].tolist() == [B, I, C, B]
