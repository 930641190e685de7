"""spacy-coord.CRFHead.v1: token states -> tag scores, and their loss in training."""

from typing import Any, Callable, NamedTuple, Optional, Tuple

import numpy
import torch
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d, Ints1d
from thinc.util import get_torch_default_device, to_numpy

from ..tags import ALLOWED, ALLOWED_END, ALLOWED_START, TAGS
from .pytorch.head import TagScorer
from .settings import check_settings
from .torch_layer import torch_layer

NAME = "spacy-coord.CRFHead.v1"


class TagScores(NamedTuple):
    """What decoding needs: emissions, per token (n_tokens, n_tags), docs
    one after the other, or padded (n_docs, length, n_tags); lengths
    (n_docs,) tokens per doc; transitions (n_tags, n_tags), start and end
    (n_tags,) scores, forbidden moves included; `normalized`: emissions are
    per-token log-probabilities (the argmax decoder)."""

    emissions: numpy.ndarray
    lengths: numpy.ndarray
    transitions: numpy.ndarray
    start: numpy.ndarray
    end: numpy.ndarray
    normalized: bool


class HeadInput(NamedTuple):
    """states (n_tokens, width) and lengths (n_docs,) of non-empty docs;
    in training, tags (n_tokens,) gold ids (-1 unknown), domains
    (n_docs,) ids (-1 unknown) or None, and soft_tags (n_tokens, n_tags) a
    teacher's tag probabilities (rows of 0 where none) or None, weighted by
    soft_weight."""

    states: Floats2d
    lengths: Ints1d
    tags: Optional[Ints1d] = None
    domains: Optional[Ints1d] = None
    soft_tags: Optional[Floats2d] = None
    soft_weight: float = 0.0


@registry.architectures(NAME)
def build_crf_head(width: int, decoder: str, n_domains: int, adversarial_weight: float) -> Model[HeadInput, Any]:
    """Score the B/I/C/O tags of each token from its encoder state (a dense
    layer), trained with a CRF likelihood, or with a per-token softmax for
    `decoder = "argmax"`; decoding is the component's.

    width (int): Width of the encoder states.
    decoder (str): "crf", or "argmax" for independent per-token decisions,
        both decoded so that the tag sequence is always valid.
    n_domains (int): Size of the domain-adversarial classifier (0: no head),
        trained on docs that carry a domain label.
    adversarial_weight (float): Gradient reversal scale of that head.
    RETURNS (Model[HeadInput, Any]): `TagScores` in prediction; in training
        (with gold tags) the tagging and adversarial losses.
    """
    check_settings(NAME, locals())
    module = TagScorer(
        width,
        torch.from_numpy(ALLOWED),
        torch.from_numpy(ALLOWED_START),
        torch.from_numpy(ALLOWED_END),
        decoder,
        n_domains,
        adversarial_weight,
    )
    return Model(
        NAME,
        forward,
        layers=[torch_layer(module, _to_torch, _from_torch)],
        dims={"nI": width, "nO": len(TAGS)},
        attrs={"n_domains": n_domains, "normalized": decoder == "argmax"},
    )


def forward(model: Model, X: HeadInput, is_train: bool) -> Tuple[Any, Callable]:
    output, backprop = model.layers[0](X, is_train)
    if X.tags is None:
        emissions, *potentials = output
        return TagScores(emissions, X.lengths, *potentials, normalized=model.attrs["normalized"]), backprop
    return output, backprop


def _to_torch(model: Model, X: HeadInput, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    device = get_torch_default_device()
    states = xp2torch(X.states, requires_grad=is_train, device=device)
    kwargs = {
        name: xp2torch(getattr(X, name), device=device)
        for name in ("tags", "domains", "soft_tags")
        if getattr(X, name) is not None
    }
    if X.soft_tags is not None:
        kwargs["soft_weight"] = X.soft_weight
    return ArgsKwargs(args=(states, xp2torch(X.lengths)), kwargs=kwargs), lambda d: torch2xp(d.args[0])


def _from_torch(model: Model, inputs_outputs: Tuple[HeadInput, Any], is_train: bool) -> Tuple[Any, Callable]:
    X, outputs = inputs_outputs
    if X.tags is None:
        return tuple(to_numpy(torch2xp(tensor.detach())) for tensor in outputs), lambda d: None
    tag_loss, adversarial_loss = outputs
    total = tag_loss + adversarial_loss

    def backprop(d_loss: float) -> ArgsKwargs:
        return ArgsKwargs(args=((total,),), kwargs={"grad_tensors": (torch.full_like(total, float(d_loss)),)})

    return (float(tag_loss.detach()), float(adversarial_loss.detach())), backprop
