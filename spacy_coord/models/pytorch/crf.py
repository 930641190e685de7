"""A linear-chain CRF likelihood with hard constraints on which tags may
follow which, for training. Decoding runs in numpy (`spacy_coord.decoding`)
on the potentials this module gives.

Written here rather than taken from pytorch-crf because the chunker needs
hard transition constraints (so decoding never yields an invalid tag
sequence) and partially labelled sequences (gold tokens that do not align
with the predicted tokenization are left free in the likelihood).
"""

from typing import Tuple

import torch
from torch import Tensor, nn

# Stands in for log(0): large enough to forbid, small enough to stay finite.
FORBIDDEN = -1e4


def register_constraints(module: nn.Module, allowed: Tensor, allowed_start: Tensor, allowed_end: Tensor) -> None:
    """Give `module` the buffers transition_mask, start_mask and end_mask:
    0 where allowed, FORBIDDEN elsewhere.

    Not persistent: the constraints come from the code, not the weights.
    """
    for name, allowed_tags in (("transition_mask", allowed), ("start_mask", allowed_start), ("end_mask", allowed_end)):
        module.register_buffer(name, torch.where(allowed_tags, 0.0, FORBIDDEN), persistent=False)


class ConstrainedCRF(nn.Module):
    """Linear-chain CRF whose forbidden transitions score FORBIDDEN.

    allowed (Tensor): (n_tags, n_tags) bool, allowed[i, j] if tag j may follow i.
    allowed_start, allowed_end (Tensor): (n_tags,) bool.
    """

    def __init__(self, allowed: Tensor, allowed_start: Tensor, allowed_end: Tensor):
        super().__init__()
        n_tags = allowed.shape[0]
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        register_constraints(self, allowed, allowed_start, allowed_end)

    def potentials(self) -> Tuple[Tensor, Tensor, Tensor]:
        """The transition, start and end scores, forbidden ones included."""
        return self.transitions + self.transition_mask, self.start + self.start_mask, self.end + self.end_mask

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """log Z per row of a padded batch: (batch,).

        emissions (Tensor): (batch, length, n_tags) scores.
        mask (Tensor): (batch, length) bool, False on padding; each row starts with a True.
        """
        transitions, start, end = self.potentials()
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
        return torch.logsumexp(alpha + end, dim=1)

    def log_marginals(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """log p(tag at position t | sequence) by forward-backward, differentiable:
        (batch, length, n_tags); padding positions are garbage.

        emissions (Tensor): (batch, length, n_tags) scores.
        mask (Tensor): (batch, length) bool, False on padding; each row starts with a True.
        """
        transitions, start, end = self.potentials()
        length = emissions.shape[1]
        alphas = [start + emissions[:, 0]]
        for t in range(1, length):
            step = torch.logsumexp(alphas[-1].unsqueeze(2) + transitions, dim=1) + emissions[:, t]
            alphas.append(torch.where(mask[:, t].unsqueeze(1), step, alphas[-1]))
        # beta at the last real token of a row is the end score; padding
        # positions after it carry that on unchanged.
        last = end.expand_as(emissions[:, 0])
        betas = [last]
        for t in range(length - 2, -1, -1):
            step = torch.logsumexp(transitions + (emissions[:, t + 1] + betas[-1]).unsqueeze(1), dim=2)
            betas.append(torch.where(mask[:, t + 1].unsqueeze(1), step, last))
        scores = torch.stack(alphas, dim=1) + torch.stack(betas[::-1], dim=1)
        return scores - torch.logsumexp(scores, dim=2, keepdim=True)

    def negative_log_likelihood(self, emissions: Tensor, mask: Tensor, tags: Tensor) -> Tensor:
        """-log p(gold tags) per row: (batch,).

        tags (Tensor): (batch, length) gold tag ids; -1 marks a token whose tag
            is unknown (misaligned gold), which is summed over.
        """
        gold = torch.arange(emissions.shape[2], device=tags.device) == tags.unsqueeze(2)
        # Only the gold tag is allowed where the tag is known.
        clamped = torch.where((tags >= 0).unsqueeze(2) & ~gold, FORBIDDEN, 0.0)
        return self.log_partition(emissions, mask) - self.log_partition(emissions + clamped, mask)
