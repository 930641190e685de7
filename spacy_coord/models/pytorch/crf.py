"""A linear-chain CRF with hard constraints on which tags may follow which.

Written here rather than taken from pytorch-crf because the chunker needs
three things that package lacks: hard transition constraints (so decoding
never yields an invalid tag sequence), per-token marginals (for confidence
scores) and partially labelled sequences (gold tokens that do not align with
the predicted tokenization are left free in the likelihood).
"""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from .. import decoding

# Stands in for log(0): large enough to forbid, small enough to stay finite.
FORBIDDEN = -1e4


def constraint_scores(allowed: Tensor) -> Tensor:
    """0 where `allowed` is true, FORBIDDEN elsewhere."""
    return torch.where(allowed, 0.0, FORBIDDEN)


def register_constraints(module: nn.Module, allowed: Tensor, allowed_start: Tensor, allowed_end: Tensor) -> None:
    """Give `module` the buffers transition_mask, start_mask and end_mask.

    Not persistent: the constraints come from the code, not the weights.
    """
    module.register_buffer("transition_mask", constraint_scores(allowed), persistent=False)
    module.register_buffer("start_mask", constraint_scores(allowed_start), persistent=False)
    module.register_buffer("end_mask", constraint_scores(allowed_end), persistent=False)


def viterbi(
    emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor
) -> Tensor:
    """Best tag sequence for each row of a padded batch (decoded in numpy).

    emissions (Tensor): (batch, length, n_tags) scores.
    mask (Tensor): (batch, length) bool, False on padding; each row starts
        with at least one True.
    transitions (Tensor): (n_tags, n_tags) scores of moving from tag i to j.
    start, end (Tensor): (n_tags,) scores of starting / ending on a tag.
    RETURNS (Tensor): (batch, length) tag ids; padding positions are garbage.
    """
    best = decoding.viterbi(*_to_numpy(emissions, mask.sum(dim=1), transitions, start, end))
    return torch.from_numpy(best).to(emissions.device)


def _to_numpy(*tensors: Tensor):
    return [tensor.detach().cpu().numpy() for tensor in tensors]


class ConstrainedCRF(nn.Module):
    """Linear-chain CRF whose forbidden transitions score FORBIDDEN.

    Its states may be finer than the tags (several states per tag, see
    `tags.typed_states`): the likelihood of a gold tag sequence sums over
    the state sequences that spell it, and decoding returns tags.

    allowed (Tensor): (n_states, n_states) bool, allowed[i, j] if state j may follow i.
    allowed_start, allowed_end (Tensor): (n_states,) bool.
    tag_of (Optional[Tensor]): (n_states,) the tag id of each state (default: states are tags).
    type_of (Optional[Tensor]): (n_states,) the coordination type of each
        state, -1 for none (default: none has a type).
    """

    def __init__(
        self,
        allowed: Tensor,
        allowed_start: Tensor,
        allowed_end: Tensor,
        tag_of: Optional[Tensor] = None,
        type_of: Optional[Tensor] = None,
    ):
        super().__init__()
        n_states = allowed.shape[0]
        self.transitions = nn.Parameter(torch.zeros(n_states, n_states))
        self.start = nn.Parameter(torch.zeros(n_states))
        self.end = nn.Parameter(torch.zeros(n_states))
        register_constraints(self, allowed, allowed_start, allowed_end)
        self.register_buffer("tag_of", torch.arange(n_states) if tag_of is None else tag_of, persistent=False)
        self.register_buffer("type_of", torch.full((n_states,), -1) if type_of is None else type_of, persistent=False)

    def _parameters_masked(self):
        return (
            self.transitions + self.transition_mask,
            self.start + self.start_mask,
            self.end + self.end_mask,
        )

    def _forward_scores(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """Log-sum-exp of path scores up to each position: (batch, length, n_tags)."""
        transitions, start, _ = self._parameters_masked()
        alpha = start + emissions[:, 0]
        alphas = [alpha]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
            alphas.append(alpha)
        return torch.stack(alphas, dim=1)

    def log_partition(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """log Z per row: (batch,)."""
        _, _, end = self._parameters_masked()
        return torch.logsumexp(self._forward_scores(emissions, mask)[:, -1] + end, dim=1)

    def negative_log_likelihood(
        self, emissions: Tensor, mask: Tensor, tags: Tensor, types: Optional[Tensor] = None
    ) -> Tensor:
        """-log p(gold tags) per row: (batch,).

        tags (Tensor): (batch, length) gold tag ids; -1 marks a token whose tag
            is unknown (misaligned gold), which is summed over.
        types (Optional[Tensor]): (batch, length) the type of a token's
            coordination where known (its state is the tag's `type`-th), -1
            elsewhere; without it, the likelihood sums over the types.
        """
        gold = self.tag_of == tags.unsqueeze(2)
        if types is not None:
            typed = types.unsqueeze(2)
            gold &= (typed < 0) | (self.type_of < 0) | (self.type_of == typed)
        # Only the gold tag's states are allowed where the tag is known.
        clamped = torch.where((tags >= 0).unsqueeze(2) & ~gold, FORBIDDEN, 0.0)
        return self.log_partition(emissions, mask) - self.log_partition(emissions + clamped, mask)

    def decode(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """Viterbi tag ids: (batch, length)."""
        return self.tag_of[viterbi(emissions, mask, *self._parameters_masked())]

    def decode_with_confidences(
        self,
        emissions: Tensor,
        mask: Tensor,
        begin_tag: int,
        parallelism_weight: float = 0.0,
        similarity_weight: float = 0.0,
        unit_vectors: Optional[Tensor] = None,
        clause_weight: float = 0.0,
        opens_clause: Optional[Tensor] = None,
    ) -> Tuple[Tensor, Tensor]:
        """Viterbi tag ids, rescored by the parallelism of their conjuncts
        when `parallelism_weight`, `similarity_weight` or `clause_weight` is
        > 0 (the second needs `unit_vectors`, (batch, length, width), the
        third `opens_clause`, (batch, length) bool), and the marginal
        probability of each, where a row holds `begin_tag` (else 1.0): two
        (batch, length) tensors, from numpy (`decoding.decode_with_confidences`)."""
        scores, lengths, transitions, start, end, tag_of = _to_numpy(
            emissions, mask.sum(dim=1), *self._parameters_masked(), self.tag_of
        )
        best, confidences = decoding.decode_with_confidences(
            scores, lengths, transitions, start, end, begin_tag, tag_of, parallelism_weight, similarity_weight,
            None if unit_vectors is None else unit_vectors.detach().cpu().numpy(),
            clause_weight, None if opens_clause is None else opens_clause.cpu().numpy(),
        )
        return torch.from_numpy(best).to(emissions.device), torch.from_numpy(confidences).to(emissions.device)

    def marginals(self, emissions: Tensor, mask: Tensor) -> Tensor:
        """p(state at position t | sequence): (batch, length, n_states), computed in numpy."""
        probs = decoding.marginals(*_to_numpy(emissions, mask.sum(dim=1), *self._parameters_masked()))
        return torch.from_numpy(probs).to(device=emissions.device, dtype=emissions.dtype)
