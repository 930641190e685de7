"""The tag scorer on top of an encoder, as a plain torch module: a dense
layer gives each token's tag scores (emissions), trained with a CRF
likelihood or a per-token softmax, and an optional domain-adversarial head."""

from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from .adversary import DomainAdversary
from .crf import ConstrainedCRF, register_constraints
from .modes import FastModeSwitch

# The potentials of a tag sequence: emissions (n_tokens, n_tags), and
# transition (n_tags, n_tags), start and end (n_tags,) scores.
Potentials = Tuple[Tensor, Tensor, Tensor, Tensor]


class TagScorer(FastModeSwitch):
    """Encoder states -> dense -> tag scores.

    width (int): Width of the encoder states.
    allowed, allowed_start, allowed_end (Tensor): constraints on the tags (see tags.py).
    decoder (str): "crf" (a CRF likelihood, learned transitions) or "argmax"
        (a per-token softmax; decoding applies the constraints alone).
    n_domains (int): Domain classes of the adversarial head (0: no head).
    adversarial_weight (float): Gradient reversal scale of that head.
    """

    def __init__(
        self,
        width: int,
        allowed: Tensor,
        allowed_start: Tensor,
        allowed_end: Tensor,
        decoder: str,
        n_domains: int,
        adversarial_weight: float,
    ):
        super().__init__()
        n_tags = allowed.shape[0]
        self.dense = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, n_tags))
        self.decoder = decoder
        if decoder == "crf":
            self.crf = ConstrainedCRF(allowed, allowed_start, allowed_end)
        else:
            register_constraints(self, allowed, allowed_start, allowed_end)
        use_adversary = n_domains > 0 and adversarial_weight > 0
        self.adversary = DomainAdversary(width, n_domains, adversarial_weight) if use_adversary else None

    def forward(
        self,
        states: Tensor,
        lengths: Tensor,
        tags: Optional[Tensor] = None,
        domains: Optional[Tensor] = None,
        soft_tags: Optional[Tensor] = None,
        soft_weight: float = 0.0,
    ):
        """states (n_tokens, width), rows one after the other; lengths (batch,).

        Without `tags`: the `Potentials` of the batch (with the argmax
        decoder, emissions are log-probabilities and the rest the constraints).
        With `tags` ((n_tokens,) gold ids, -1 unknown): (tagging loss,
        adversarial loss), each summed over the batch; the second needs
        `domains` ((batch,) ids, -1 unknown) and is 0 without them.
        `soft_tags` ((n_tokens, n_tags) a teacher's tag probabilities, rows
        of 0 where there are none) add `soft_weight` times the cross-entropy
        of the model's own tag marginals against them to the tagging loss.
        """
        emissions = self.dense(states)
        if tags is None:
            if self.decoder == "crf":
                return (emissions, *self.crf.potentials())
            return emissions.log_softmax(dim=1), self.transition_mask, self.start_mask, self.end_mask
        lengths = lengths.to(states.device)
        mask = torch.arange(int(lengths.max()), device=states.device).unsqueeze(0) < lengths.unsqueeze(1)
        tag_loss = self._tag_loss(emissions, mask, tags)
        if soft_tags is not None and soft_weight:
            tag_loss = tag_loss + soft_weight * self._soft_loss(emissions, mask, soft_tags)
        adversarial_loss = tag_loss.new_zeros(())
        if self.adversary is not None and domains is not None:
            adversarial_loss = self.adversary(_padded(states, mask), mask, domains)
        return tag_loss, adversarial_loss

    def _tag_loss(self, emissions: Tensor, mask: Tensor, tags: Tensor) -> Tensor:
        if self.decoder == "crf":
            return self.crf.negative_log_likelihood(_padded(emissions, mask), mask, _padded(tags, mask, -1)).sum()
        return nn.functional.cross_entropy(emissions, tags, ignore_index=-1, reduction="sum")

    def _soft_loss(self, emissions: Tensor, mask: Tensor, soft_tags: Tensor) -> Tensor:
        """-sum of q(tag) log p(tag) over tokens and tags: p the model's tag
        marginals (the CRF's forward-backward, or the softmax), q the targets."""
        if self.decoder == "crf":
            log_probs = self.crf.log_marginals(_padded(emissions, mask), mask)[mask]
        else:
            log_probs = emissions.log_softmax(dim=1)
        return -(soft_tags * log_probs).sum()


def _padded(flat: Tensor, mask: Tensor, value: float = 0) -> Tensor:
    """Rows of per-token values (n_tokens, ...) placed into a padded (batch, length, ...) tensor."""
    padded = flat.new_full(mask.shape + flat.shape[1:], value)
    padded[mask] = flat
    return padded
