"""Decoding tag scores into tags, in numpy: Viterbi, forward-backward
marginals (confidences), k-best lists and the rescoring by parallelism.

Decoding runs outside torch: an utterance has about ten tokens and four
tags, so each step is a handful of operations on tiny arrays, where a torch
operation costs several microseconds of dispatch and a numpy one about one.
Training keeps the CRF likelihood in torch (it needs gradients).
"""

from typing import Optional

import numpy

from .parallelism import head_cosines, penalty

# Tag sequences rescored per utterance when parallelism counts: 8 or 16
# scored the same as 4 (within one utterance) on every evaluation bucket.
N_BEST = 4


def viterbi(
    emissions: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
) -> numpy.ndarray:
    """Best tag sequence for each row of a padded batch.

    emissions (numpy.ndarray): (batch, length, n_tags) scores.
    lengths (numpy.ndarray): (batch,) real tokens per row, each >= 1.
    transitions (numpy.ndarray): (n_tags, n_tags) scores of moving from tag i to j.
    start, end (numpy.ndarray): (n_tags,) scores of starting / ending on a tag.
    RETURNS (numpy.ndarray): (batch, length) int64 tag ids; padding is garbage.
    """
    batch, length, n_tags = emissions.shape
    score = start + emissions[:, 0]
    stay = numpy.broadcast_to(numpy.arange(n_tags), (batch, n_tags))
    backpointers = numpy.empty((length, batch, n_tags), dtype="int64")
    shortest = lengths.min()
    for t in range(1, length):
        candidates = score[:, :, None] + transitions  # (batch, from, to)
        best_prev = candidates.argmax(axis=1)
        best = candidates.max(axis=1) + emissions[:, t]
        if t < shortest:  # every row still has tokens: no padding to skip
            score, backpointers[t] = best, best_prev
            continue
        step = (t < lengths)[:, None]
        score = numpy.where(step, best, score)
        # On padding, point every tag at itself so backtracking passes through.
        backpointers[t] = numpy.where(step, best_prev, stay)
    path = numpy.empty((batch, length), dtype="int64")
    path[:, -1] = (score + end).argmax(axis=1)
    rows = numpy.arange(batch)
    for t in range(length - 1, 0, -1):
        path[:, t - 1] = backpointers[t, rows, path[:, t]]
    return path


def marginals(
    emissions: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
) -> numpy.ndarray:
    """p(tag at position t | sequence) by forward-backward: (batch, length, n_tags).

    Works with probabilities rescaled at every step rather than with logs:
    the same result with a matrix product per step instead of a logsumexp.
    Arguments as for `viterbi`; padding positions are garbage.
    """
    batch, length, n_tags = emissions.shape
    emissions = emissions.astype("float64")
    # Shifting each position's scores by a constant leaves the marginals as
    # they are and keeps exp() in range; forbidden scores become exactly 0.
    potentials = numpy.exp(emissions - emissions.max(axis=2, keepdims=True))
    moves = numpy.exp(transitions.astype("float64") - transitions.max())
    alphas = numpy.empty((batch, length, n_tags))
    alpha = _normalized(numpy.exp(start - start.max()) * potentials[:, 0])
    alphas[:, 0] = alpha
    for t in range(1, length):
        step = (t < lengths)[:, None]
        alpha = numpy.where(step, _normalized((alpha @ moves) * potentials[:, t]), alpha)
        alphas[:, t] = alpha
    last = numpy.broadcast_to(numpy.exp(end - end.max()), (batch, n_tags))
    betas = numpy.empty((batch, length, n_tags))
    beta = last
    for t in range(length - 1, -1, -1):
        if t < length - 1:
            following = _normalized((potentials[:, t + 1] * beta) @ moves.T)
            beta = numpy.where((t + 1 < lengths)[:, None], following, last)
        betas[:, t] = beta
    return _normalized(alphas * betas)


def _normalized(scores: numpy.ndarray) -> numpy.ndarray:
    """Rows of the last axis scaled to sum to 1 (left as they are if all 0)."""
    total = scores.sum(axis=-1, keepdims=True)
    return scores / numpy.where(total > 0, total, 1.0)


def k_best(
    emissions: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
    k: int,
):
    """The `k` best tag sequences of each row of a padded batch, in no
    particular order (list Viterbi: each tag keeps its `k` best partial paths).

    Arguments as for `viterbi`.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): (batch, k, length) tag
        ids, padding garbage, and (batch, k) their scores; -inf where a row
        has fewer than `k` sequences.
    """
    batch, length, n_tags = emissions.shape
    # score[row, slot, tag]: one of the k best partial paths ending on tag
    # (in no order), which a backpointer names by its flat index slot * n_tags + tag.
    score = numpy.full((batch, k, n_tags), -numpy.inf)
    score[:, 0] = start + emissions[:, 0]
    stay = numpy.broadcast_to(numpy.arange(k * n_tags).reshape(k, n_tags), (batch, k, n_tags))
    backpointers = numpy.empty((length, batch, k, n_tags), dtype="int64")
    # Plain indexing: take_along_axis costs more than the rest of a step.
    row_index, tag_index = numpy.arange(batch)[:, None, None], numpy.arange(n_tags)
    shortest = lengths.min()
    for t in range(1, length):
        candidates = (score[:, :, :, None] + transitions).reshape(batch, k * n_tags, n_tags)
        kept = numpy.argpartition(candidates, -k, axis=1)[:, -k:]  # (batch, k, to)
        best = candidates[row_index, kept, tag_index] + emissions[:, t, None, :]
        if t < shortest:
            score, backpointers[t] = best, kept
        else:
            step = (t < lengths)[:, None, None]
            score = numpy.where(step, best, score)
            backpointers[t] = numpy.where(step, kept, stay)
    final = (score + end).reshape(batch, k * n_tags)
    flat = numpy.argpartition(final, -k, axis=1)[:, -k:]  # (batch, k)
    scores = final[row_index[:, :, 0], flat]
    paths = numpy.empty((batch, k, length), dtype="int64")
    for t in range(length - 1, -1, -1):
        paths[:, :, t] = flat % n_tags
        if t:
            flat = backpointers[t, row_index[:, :, 0], flat // n_tags, flat % n_tags]
    return paths, scores


def rescore_by_parallelism(
    best: numpy.ndarray,
    path_marginals: numpy.ndarray,
    rows: numpy.ndarray,
    emissions: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
    weight: float,
    similarity_weight: float = 0.0,
    unit_vectors: Optional[numpy.ndarray] = None,
) -> numpy.ndarray:
    """Replace the best tags of some rows by the one of their N_BEST tag
    sequences with the highest CRF score minus a penalty for conjuncts that
    are not parallel: `weight` times their imbalance in length
    (`parallelism.imbalance`) plus `similarity_weight` times how unlike
    their last words are (`parallelism.head_unlikeness`).

    best (numpy.ndarray): (batch, length) the Viterbi tags; changed in place and returned.
    path_marginals (numpy.ndarray): (len(rows), length) the marginal
        probability of each Viterbi tag of `rows`.
    rows (numpy.ndarray): The rows that may change: those with a conjunct.
    weight (float): The weight of the imbalance.
    similarity_weight (float): The weight of the unlikeness of last words.
    unit_vectors (Optional[numpy.ndarray]): (batch, length, width) the
        tokens' static vectors scaled to length 1; needed when
        `similarity_weight` > 0.
        Other arguments as for `viterbi`.

    A row is left as it is, without searching, when no other sequence can
    win: when its best sequence has no penalty (any other scores lower and
    has no less), or when that sequence is so probable that any other has
    less than exp(-penalty) of its probability. A sequence's probability is
    at least 1 minus the sum of its tokens' marginal probabilities of
    anything else, so p >= 1 / (1 + exp(-penalty)) rules the rest out.
    """

    cosines = {}  # per row, once: its candidates share the tokens

    def row_penalty(row: int, tags: numpy.ndarray) -> float:
        if similarity_weight and row not in cosines:
            cosines[row] = head_cosines(unit_vectors[row, : lengths[row]])
        return penalty(tags, weight, similarity_weight, cosines.get(row))

    searched = []
    for i, row in enumerate(rows):
        n = lengths[row]
        best_penalty = row_penalty(row, best[row, :n])
        lowest_probability = 1.0 - float((1.0 - path_marginals[i, :n]).sum())
        if best_penalty > 0 and lowest_probability < 1.0 / (1.0 + numpy.exp(-best_penalty)):
            searched.append(row)
    if not searched:
        return best
    # Only as long as the longest of these rows, not the whole batch.
    longest = int(lengths[searched].max())
    paths, scores = k_best(emissions[searched, :longest], lengths[searched], transitions, start, end, N_BEST)
    for i, row in enumerate(searched):
        n = lengths[row]
        candidates = [path[:n] for path in paths[i]]
        totals = [score - row_penalty(row, tags) for score, tags in zip(scores[i], candidates)]
        best[row, :n] = candidates[int(numpy.argmax(totals))]
    return best


def decode_with_confidences(
    emissions: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
    begin_tag: int,
    parallelism_weight: float = 0.0,
    similarity_weight: float = 0.0,
    unit_vectors: Optional[numpy.ndarray] = None,
):
    """Viterbi tags, rescored by parallelism when `parallelism_weight` or
    `similarity_weight` is > 0 (`rescore_by_parallelism`, which takes
    `unit_vectors` too), and the marginal probability of each chosen tag.

    Confidences only matter where a conjunct begins: most utterances hold
    none, so forward-backward runs on the rows with a `begin_tag` alone and
    the others get 1.0. Arguments as for `viterbi`.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): (batch, length) tag ids
        and float32 confidences.
    """
    best = viterbi(emissions, lengths, transitions, start, end)
    confidences = numpy.ones(best.shape, dtype="float32")
    real = numpy.arange(best.shape[1]) < lengths[:, None]
    # Rescoring only removes or reshapes coordinations, so these rows cover its output too.
    rows = numpy.flatnonzero(((best == begin_tag) & real).any(axis=1))
    if len(rows):
        probs = marginals(emissions[rows], lengths[rows], transitions, start, end)
        if parallelism_weight > 0 or similarity_weight > 0:
            path_marginals = numpy.take_along_axis(probs, best[rows][:, :, None], axis=2)[:, :, 0]
            best = rescore_by_parallelism(
                best,
                path_marginals,
                rows,
                emissions,
                lengths,
                transitions,
                start,
                end,
                parallelism_weight,
                similarity_weight,
                unit_vectors,
            )
        confidences[rows] = numpy.take_along_axis(probs, best[rows][:, :, None], axis=2)[:, :, 0]
    return best, confidences


def decode_argmax(
    log_probs: numpy.ndarray,
    lengths: numpy.ndarray,
    transitions: numpy.ndarray,
    start: numpy.ndarray,
    end: numpy.ndarray,
):
    """The best valid tag sequence under per-token log-probabilities and the
    tag constraints (`transitions`, `start`, `end`: 0 or forbidden), and the
    probability of each chosen tag: (batch, length) tag ids and float32
    confidences."""
    best = viterbi(log_probs, lengths, transitions, start, end)
    confidences = numpy.exp(numpy.take_along_axis(log_probs, best[:, :, None], axis=2)[:, :, 0])
    return best, confidences.astype("float32")
