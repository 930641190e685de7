"""The constrained CRF against pytorch-crf, and its decoding guarantees."""
import itertools

import pytest
import torch

from spacy_coord.models.pytorch.crf import ConstrainedCRF, viterbi
from spacy_coord.tags import ALLOWED, ALLOWED_END, ALLOWED_START, is_valid

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
