"""The constrained CRF's likelihood against pytorch-crf, and the numpy
decoding on its potentials: Viterbi, marginals, and its guarantees."""

import itertools

import pytest
import torch

from spacy_coord import decoding
from spacy_coord.models.pytorch.crf import ConstrainedCRF
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
    best = decode(ours, emissions, mask)
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
    marginals = torch.from_numpy(decoding.marginals(*numpy_potentials(crf, emissions, mask)))
    sums = marginals.sum(dim=2)[mask]
    assert torch.allclose(sums, torch.ones_like(sums, dtype=sums.dtype), atol=1e-4)


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
    marginals = torch.from_numpy(decoding.marginals(*numpy_potentials(crf, emissions, mask))[0]).float()
    assert torch.allclose(marginals, expected, atol=1e-4)


@pytest.mark.parametrize("seed", range(20))
def test_constrained_decoding_is_always_valid(seed):
    crf = constrained_crf()
    emissions, mask, _ = random_batch(seed=seed)
    emissions = emissions * 10  # strong, contradictory emissions
    best = decode(crf, emissions, mask)
    for row, length in enumerate(mask.sum(dim=1).tolist()):
        assert is_valid(best[row, :length].tolist())
    # The argmax decoder: per-token log-probabilities under the constraints alone.
    log_probs = emissions.log_softmax(dim=2).numpy()
    masks = (crf.transition_mask.numpy(), crf.start_mask.numpy(), crf.end_mask.numpy())
    argmax, confidences = decoding.decode_argmax(log_probs, mask.sum(dim=1).numpy(), *masks)
    for row, length in enumerate(mask.sum(dim=1).tolist()):
        assert is_valid(argmax[row, :length].tolist())
        assert ((0 < confidences[row, :length]) & (confidences[row, :length] <= 1)).all()


def numpy_potentials(crf, emissions, mask):
    """The arguments of the numpy decoders for a torch CRF and batch."""
    with torch.no_grad():
        transitions, start, end = (tensor.numpy() for tensor in crf.potentials())
    return emissions.numpy(), mask.sum(dim=1).numpy(), transitions, start, end


def decode(crf, emissions, mask):
    return torch.from_numpy(decoding.viterbi(*numpy_potentials(crf, emissions, mask)))


def test_torch_marginals_match_numpy_forward_backward():
    crf = constrained_crf()
    with torch.no_grad():
        for param in (crf.transitions, crf.start, crf.end):
            param.normal_()
    emissions, mask, _ = random_batch()
    log_marginals = crf.log_marginals(emissions, mask)
    expected = decoding.marginals(
        emissions.numpy(), mask.sum(1).numpy(), *(p.detach().numpy() for p in crf.potentials())
    )
    for row, length in enumerate(mask.sum(1).tolist()):
        probs = log_marginals[row, :length].exp()
        assert torch.allclose(probs.sum(1), torch.ones(length), atol=1e-5)
        assert torch.allclose(probs, torch.from_numpy(expected[row, :length]).float(), atol=1e-4)


def test_soft_loss_pulls_marginals_to_the_targets():
    crf = constrained_crf()
    emissions, mask, _ = random_batch()
    emissions.requires_grad_(True)
    with torch.no_grad():
        targets = crf.log_marginals(emissions * 3, mask).exp()
    optimizer = torch.optim.SGD([emissions], lr=1.0)
    distances = []
    for _ in range(50):
        log_probs = crf.log_marginals(emissions, mask)
        distances.append(float((log_probs.detach().exp() - targets)[mask].abs().sum()))
        optimizer.zero_grad()
        (-(targets * log_probs)[mask].sum()).backward()
        optimizer.step()
    assert distances[-1] < distances[0] / 4
