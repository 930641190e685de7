"""Similarity features from static vectors."""
import numpy

from spacy_coord.models.similarity import coordination_similarity, neighbor_similarity, unit_rows

A, B, NONE = [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]


def test_neighbor_similarity_stays_inside_each_doc():
    unit = unit_rows(numpy.array([A, A, B, A, NONE], dtype="float32"))
    similarity = neighbor_similarity(unit, numpy.array([3, 2]))  # docs "a a b" and "a <no vector>"
    assert similarity[:, 0].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert similarity[:, 1].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_coordination_similarity_looks_across_the_separator():
    # doc 1: "a b and a" (separator at 2); doc 2: "a and"
    unit = unit_rows(numpy.array([A, B, NONE, A, A, NONE], dtype="float32"))
    is_separator = numpy.array([False, False, True, False, False, True])
    similarity = coordination_similarity(unit, is_separator, numpy.array([4, 2]))
    # Word after the next separator: token 3 ("a") for tokens 0-1; none after it, nor in doc 2.
    assert similarity[:, 0].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # Word before the previous separator: token 1 ("b") for token 3; doc 2 never sees doc 1.
    assert similarity[:, 1].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    unit[1] = A
    assert coordination_similarity(unit, is_separator, numpy.array([4, 2]))[3, 1] == 1.0
