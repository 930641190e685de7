"""The constrained CRF against pytorch-crf, and its decoding guarantees."""
import itertools

import pytest
import torch

from spacy_coord.models.pytorch.crf import ConstrainedCRF, viterbi
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START, B, C, I, TAGS, is_valid, typed_states

torchcrf = pytest.importorskip("torchcrf")


def unconstrained_crf(n_tags=4):
    everything = torch.ones(n_tags, n_tags, dtype=torch.bool)
    return ConstrainedCRF(everything, everything[0], everything[0])


def constrained_crf():
    return ConstrainedCRF(torch.from_numpy(ALLOWED), torch.from_numpy(ALLOWED_START), torch.from_numpy(ALLOWED_END))


def random_batch(batch=5, length=7, n_tags=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    emissions = torch.randn(batch, length, n_tags, generator=generator)
    lengths = torch.tensor([7, 1, 3, 6, 2])[:batch]
    mask = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
    tags = torch.randint(0, n_tags, (batch, length), generator=generator)
    return emissions, mask, tags


def test_likelihood_matches_pytorch_crf():
    ours = unconstrained_crf()
    reference = torchcrf.CRF(4, batch_first=True)
    with torch.no_grad():
        for param in (ours.transitions, ours.start, ours.end):
            param.normal_()
        reference.transitions.copy_(ours.transitions)
        reference.start_transitions.copy_(ours.start)
        reference.end_transitions.copy_(ours.end)
    emissions, mask, tags = random_batch()
    expected = -reference(emissions, tags, mask=mask, reduction="none")
    assert torch.allclose(ours.negative_log_likelihood(emissions, mask, tags), expected, atol=1e-4)
    best = ours.decode(emissions, mask)
    for row, path in enumerate(reference.decode(emissions, mask=mask)):
        assert best[row, : len(path)].tolist() == path


def test_unknown_tags_are_summed_over():
    crf = unconstrained_crf()
    emissions, mask, tags = random_batch()
    unknown = torch.full_like(tags, -1)
    nll = crf.negative_log_likelihood(emissions, mask, unknown)
    assert torch.allclose(nll, torch.zeros_like(nll), atol=1e-4)


def test_marginals_are_distributions():
    crf = unconstrained_crf()
    emissions, mask, _ = random_batch()
    marginals = crf.marginals(emissions, mask)
    sums = marginals.sum(dim=2)[mask]
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-4)


def test_marginals_match_brute_force():
    crf = constrained_crf()
    emissions = torch.randn(1, 4, 4)
    mask = torch.ones(1, 4, dtype=torch.bool)
    scores = {}
    for path in itertools.product(range(4), repeat=4):
        tags = torch.tensor([path])
        with torch.no_grad():
            scores[path] = float(-crf.negative_log_likelihood(emissions, mask, tags))
    total = torch.logsumexp(torch.tensor(list(scores.values())), 0)
    expected = torch.zeros(4, 4)
    for path, score in scores.items():
        for t, tag in enumerate(path):
            expected[t, tag] += float(torch.exp(score - total))
    with torch.no_grad():
        assert torch.allclose(crf.marginals(emissions, mask)[0], expected, atol=1e-4)


@pytest.mark.parametrize("seed", range(20))
def test_constrained_decoding_is_always_valid(seed):
    crf = constrained_crf()
    emissions, mask, _ = random_batch(seed=seed)
    emissions = emissions * 10  # strong, contradictory emissions
    best = crf.decode(emissions, mask)
    for row, length in enumerate(mask.sum(dim=1).tolist()):
        assert is_valid(best[row, :length].tolist())
    argmax = viterbi(emissions, mask, crf.transition_mask, crf.start_mask, crf.end_mask)
    for row, length in enumerate(mask.sum(dim=1).tolist()):
        assert is_valid(argmax[row, :length].tolist())


def typed_crf(n_types=2):
    crf = ConstrainedCRF(*(torch.from_numpy(array) for array in typed_states(n_types)))
    with torch.no_grad():
        for param in (crf.transitions, crf.start, crf.end):
            param.normal_()
    return crf


def test_one_type_is_the_plain_tag_set():
    states = typed_states(1)
    assert (states.allowed == ALLOWED).all()
    assert (states.allowed_start == ALLOWED_START).all() and (states.allowed_end == ALLOWED_END).all()
    assert states.tag_of.tolist() == list(range(len(TAGS))) and states.type_of.tolist() == [-1, 0, 0, 0]


def test_typed_likelihood_sums_over_the_types_of_each_coordination():
    crf = typed_crf()
    emissions = torch.randn(1, 4, crf.tag_of.shape[0])
    mask = torch.ones(1, 4, dtype=torch.bool)
    gold = [B, C, B, I]  # one coordination: its four tokens share a type
    by_type = []
    for states in ([1, 3, 1, 2], [4, 6, 4, 5]):
        transitions, start, end = crf._parameters_masked()
        score = start[states[0]] + end[states[-1]] + sum(emissions[0, t, s] for t, s in enumerate(states))
        by_type.append(score + sum(transitions[a, b] for a, b in zip(states, states[1:])))
    with torch.no_grad():
        expected = crf.log_partition(emissions, mask) - torch.logsumexp(torch.stack(by_type), 0)
        assert torch.allclose(crf.negative_log_likelihood(emissions, mask, torch.tensor([gold])), expected, atol=1e-4)


@pytest.mark.parametrize("seed", range(10))
def test_typed_decoding_gives_valid_tags_and_their_marginals(seed):
    crf = typed_crf()
    emissions, mask, _ = random_batch(n_tags=crf.tag_of.shape[0], seed=seed)
    emissions[:, :, crf.tag_of == B] += 2.0  # coordinations in most rows
    best, confidences = crf.decode_with_confidences(emissions, mask, B)
    assert (best == B).any()
    states = crf.marginals(emissions, mask)
    # A tag's probability is the sum of its states'.
    by_tag = torch.stack([states[:, :, crf.tag_of == tag].sum(dim=2) for tag in range(len(TAGS))], dim=2)
    for row, length in enumerate(mask.sum(dim=1).tolist()):
        assert is_valid(best[row, :length].tolist())
        if B in best[row, :length].tolist():
            expected = by_tag[row, :length].gather(1, best[row, :length].unsqueeze(1)).squeeze(1)
            assert torch.allclose(confidences[row, :length], expected, atol=1e-5)


def test_known_types_restrict_the_likelihood():
    crf = typed_crf()
    emissions = torch.randn(1, 4, crf.tag_of.shape[0])
    mask = torch.ones(1, 4, dtype=torch.bool)
    gold = torch.tensor([[B, C, B, I]])
    with torch.no_grad():
        either = crf.negative_log_likelihood(emissions, mask, gold)
        first = crf.negative_log_likelihood(emissions, mask, gold, torch.tensor([[0, 0, 0, 0]]))
        second = crf.negative_log_likelihood(emissions, mask, gold, torch.tensor([[1, 1, 1, 1]]))
        unknown = crf.negative_log_likelihood(emissions, mask, gold, torch.full((1, 4), -1))
    # p(tags) = p(tags, type 0) + p(tags, type 1)
    assert torch.allclose(torch.exp(-either), torch.exp(-first) + torch.exp(-second), atol=1e-5)
    assert torch.allclose(unknown, either)
