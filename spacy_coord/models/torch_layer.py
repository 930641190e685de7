"""Thinc wrappers of the project's torch modules, and how their weights are
saved: safetensors (which cannot run code when loaded) with a checksum that
is checked at load time."""

import functools
import hashlib
from typing import Any, Callable, Dict, Tuple

import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from thinc.api import ArgsKwargs, Model, Optimizer, PyTorchShim, torch2xp, xp2torch
from thinc.layers.pytorchwrapper import forward as pytorch_forward
from torch import nn

from ..errors import Errors

WEIGHTS_FORMAT = "safetensors"


def torch_layer(
    module: nn.Module, convert_inputs: Callable, convert_outputs: Callable = None, lr_scale: float = 1.0
) -> Model:
    """A Thinc layer around `module` (thinc's PyTorchWrapper_v3) whose weights
    are saved as safetensors and learn at `lr_scale` times the optimizer's
    learning rate."""
    return Model(
        "pytorch",
        pytorch_forward,
        attrs={"convert_inputs": convert_inputs, "convert_outputs": convert_outputs or tensor_output},
        shims=[
            ScaledPyTorchShim(
                module, lr_scale=lr_scale, serialize_model=serialize_weights, deserialize_model=deserialize_weights
            )
        ],
        dims={"nI": None, "nO": None},
    )


class ScaledPyTorchShim(PyTorchShim):
    """A PyTorchShim whose parameters learn at `lr_scale` times the
    optimizer's rate: a pretrained encoder fine-tuned gently under a new head
    that learns fast, with one optimizer for the pipeline."""

    def __init__(self, module: nn.Module, *, lr_scale: float, **kwargs) -> None:
        super().__init__(module, **kwargs)
        self.lr_scale = lr_scale

    def predict(self, inputs: ArgsKwargs) -> Any:
        """The module's output in eval mode, as PyTorchShim.predict, but
        under `torch.inference_mode()`: no autograd bookkeeping at all,
        where `torch.no_grad()` still keeps version counters. The module
        stays in eval mode afterwards (`begin_update` switches it back to
        train mode): switching both ways on every call walked every
        submodule twice, a tenth of one utterance's latency."""
        if self._model.training:
            self._model.eval()
        with torch.inference_mode(), torch.autocast(device_type="cuda", enabled=self._mixed_precision):
            return self._model(*inputs.args, **inputs.kwargs)

    def finish_update(self, optimizer: Optimizer) -> None:
        scaled = optimizer if self.lr_scale == 1.0 else functools.partial(optimizer, lr_scale=self.lr_scale)
        super().finish_update(scaled)


def tensor_output(model: Model, inputs_outputs: Tuple[Any, torch.Tensor], is_train: bool) -> Tuple[Any, Callable]:
    """A module's one output tensor as an array; its gradient back into torch."""
    _, output = inputs_outputs

    def backprop(d_output: Any) -> ArgsKwargs:
        return ArgsKwargs(args=((output,),), kwargs={"grad_tensors": (xp2torch(d_output, device=output.device),)})

    return torch2xp(output), backprop


def serialize_weights(module: nn.Module) -> bytes:
    """The module's weights as safetensors, with their sha256."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in module.state_dict().items()}
    weights = save_safetensors(state)
    return srsly.msgpack_dumps(
        {"format": WEIGHTS_FORMAT, "sha256": hashlib.sha256(weights).hexdigest(), "weights": weights}
    )


def deserialize_weights(module: nn.Module, data: bytes, device: torch.device) -> nn.Module:
    """Load weights written by `serialize_weights` into `module`, after
    checking their format, checksum and shapes."""
    try:
        saved = srsly.msgpack_loads(data)
    except Exception:
        saved = None
    if not isinstance(saved, dict) or saved.get("format") != WEIGHTS_FORMAT:
        raise ValueError(Errors.E004)
    weights = saved.get("weights", b"")
    if hashlib.sha256(weights).hexdigest() != saved.get("sha256"):
        raise ValueError(Errors.E005)
    state = load_safetensors(weights)
    check_finite(state)
    try:
        module.load_state_dict(state)
    except RuntimeError as err:  # names or shapes differ from the config's module
        raise ValueError(Errors.E006.format(detail=str(err).splitlines()[0])) from None
    return module.to(device)


def check_finite(state: Dict[str, torch.Tensor]) -> None:
    """Raise a ValueError (E024) naming the tensors that hold NaN or infinity:
    a checksum only says the file is as saved, and such weights would give
    empty annotations for every text."""
    not_finite = [name for name, tensor in state.items() if tensor.is_floating_point() and not tensor.isfinite().all()]
    if not_finite:
        raise ValueError(Errors.E024.format(names=", ".join(not_finite[:5]) + (", ..." if len(not_finite) > 5 else "")))
