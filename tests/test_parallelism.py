"""Rescoring the CRF's best tag sequences by the parallelism of their conjuncts."""
import itertools

import numpy
import pytest
import spacy

from spacy_coord.models import decoding
from spacy_coord.models.parallelism import conjunct_lengths, imbalance
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START, B, C, I, O, is_valid

from training_data import conjuncts, train_pipeline

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
    """"monday wednesday and friday", where the CRF slightly prefers
    "monday wednesday" as one conjunct (B I C B) to two (B B C B)."""
    emissions = numpy.full((1, 4, 4), -5.0)
    emissions[0, 0, B] = emissions[0, 2, C] = emissions[0, 3, B] = 5.0
    emissions[0, 1, I], emissions[0, 1, B] = 5.0, 4.8
    return emissions


@pytest.mark.parametrize("weight,expected", [(0.0, [B, I, C, B]), (0.1, [B, I, C, B]), (0.5, [B, B, C, B])])
def test_parallel_conjuncts_win_when_the_weight_outweighs_the_score(weight, expected):
    emissions = merged_list_emissions()
    args = (emissions, numpy.array([4]), TRANSITIONS, START, END, B, numpy.arange(4))
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
    weight = 1.0
    best, _ = decoding.decode_with_confidences(emissions, lengths, TRANSITIONS, START, END, B, numpy.arange(4), weight)
    for row, n in enumerate(lengths):
        ranked = sorted(itertools.product(range(4), repeat=n), key=lambda p: -path_score(emissions[row], p))
        top = ranked[: decoding.N_BEST]
        if B not in ranked[0]:
            assert best[row, :n].tolist() == list(ranked[0])
            continue
        expected = max(top, key=lambda p: path_score(emissions[row], p) - weight * imbalance(p))
        assert best[row, :n].tolist() == list(expected)


def test_a_sequence_too_probable_to_lose_is_not_searched(monkeypatch):
    emissions = merged_list_emissions()
    emissions[0, 1, B] = -5.0  # "monday wednesday" is now surely one conjunct

    def no_search(*args):
        raise AssertionError("searched a row no other sequence could win")

    monkeypatch.setattr(decoding, "k_best", no_search)
    best, _ = decoding.decode_with_confidences(
        emissions, numpy.array([4]), TRANSITIONS, START, END, B, numpy.arange(4), parallelism_weight=0.5
    )
    assert best[0].tolist() == [B, I, C, B]


def test_parallelism_needs_the_crf_decoder():
    with pytest.raises(ValueError, match="parallelism_weight"):
        spacy.blank("en").add_pipe("coord_chunker", config={"model": {"decoder": "argmax", "parallelism_weight": 0.5}})


def test_the_weight_changes_on_a_trained_pipeline_without_retraining():
    nlp = train_pipeline({"parallelism_weight": 0.0})
    texts = ["add bananas peanut butter and paper towels to my list", "play jazz and turn off the lights"]
    before = [conjuncts(doc) for doc in nlp.pipe(texts)]
    config = nlp.config.copy()
    config["components"]["coord_chunker"]["model"]["parallelism_weight"] = 0.5
    rescored = spacy.blank("en").from_config(config).from_bytes(nlp.to_bytes())
    assert rescored.get_pipe("coord_chunker").model.layers[0].shims[0]._model.parallelism_weight == 0.5
    # A well-trained model keeps its clear answers.
    assert [conjuncts(doc) for doc in rescored.pipe(texts)] == before
