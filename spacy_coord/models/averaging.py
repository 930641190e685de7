"""Parameter averaging for the PyTorch model (`[training.optimizer]
use_averages = true`).

thinc 8.x keeps the optimizer's moving averages of a PyTorch model's weights
under (shim id, parameter name) keys (`PyTorchShim.finish_update`), but
`PyTorchShim.use_params` looks for "pytorch_<id>_<name>" strings. Nothing
matches, so spaCy evaluated and saved the raw weights and the setting had no
effect. This shim finds the averages under the keys they are kept under.
"""
import contextlib
from typing import Dict, Iterator

from thinc.api import PyTorchShim, xp2torch


class AveragingPyTorchShim(PyTorchShim):
    """A PyTorchShim whose `use_params` swaps in thinc's optimizer averages."""

    @contextlib.contextmanager
    def use_params(self, params: Dict) -> Iterator[None]:
        """Use the averaged weights in `params` (an optimizer's `averages`)
        inside the block, the trained ones again after it."""
        averaged = {
            name: xp2torch(params[(self.id, name)], device=self.device)
            for name, _ in self._model.named_parameters()
            if (self.id, name) in params
        }
        if not averaged:
            yield
            return
        state = self._model.state_dict()
        backup = {name: state[name].clone() for name in averaged}
        # strict=False: buffers (the CRF's allowed transitions) have no averages.
        self._model.load_state_dict(averaged, strict=False)
        try:
            yield
        finally:
            self._model.load_state_dict(backup, strict=False)
