"""Domain-adversarial head: a domain classifier trained through a gradient
reversal layer, which pushes the encoder towards domain-independent states
(Ganin & Lempitsky, 2015)."""

import torch
from torch import Tensor, nn


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs: Tensor, scale: float) -> Tensor:
        ctx.scale = scale
        return inputs.view_as(inputs)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return -ctx.scale * grad, None


class DomainAdversary(nn.Module):
    """Predict the domain of each utterance from its mean-pooled encoder states.

    width (int): Encoder state width.
    n_domains (int): Number of domain classes.
    scale (float): Weight of the reversed gradient reaching the encoder.
    """

    def __init__(self, width: int, n_domains: int, scale: float):
        super().__init__()
        self.scale = scale
        self.classifier = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, n_domains))

    def forward(self, states: Tensor, mask: Tensor, domains: Tensor) -> Tensor:
        """Summed cross-entropy over rows whose domain is known (>= 0)."""
        weights = mask.unsqueeze(2).float()
        pooled = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits = self.classifier(_ReverseGradient.apply(pooled, self.scale))
        known = domains >= 0
        if not bool(known.any()):
            return logits.sum() * 0.0
        return nn.functional.cross_entropy(logits[known], domains[known], reduction="sum")
