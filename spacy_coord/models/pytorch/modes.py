"""A cheaper train()/eval() switch for the project's torch modules."""

from torch import nn


class FastModeSwitch(nn.Module):
    """An `nn.Module` whose `train(mode)` sets the flag on itself and its
    submodules directly.

    Thinc's PyTorch shim calls eval() and train() around every prediction;
    `nn.Module.train` spends most of its time in `nn.Module.__setattr__`,
    a noticeable share of one utterance's latency.
    """

    def train(self, mode: bool = True) -> "FastModeSwitch":
        for module in self.modules():
            module.__dict__["training"] = mode
        return self
