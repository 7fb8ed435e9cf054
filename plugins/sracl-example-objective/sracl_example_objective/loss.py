"""The dropout contrast as an `nn.Module` (imports torch)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from sracl_cli.objectives.base import ObjectiveModule


class DropoutContrast(ObjectiveModule):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.weights = {"rec": 1.0, "cl": config.weight}

    def losses(self, backbone, batch) -> dict[str, Tensor]:
        first, second = backbone.encode(batch.inputs), backbone.encode(batch.inputs)  # two dropout masks
        return {"rec": backbone.rec_loss(batch), "cl": nt_xent(first, second, self.config.temperature)}


def nt_xent(a: Tensor, b: Tensor, temperature: float) -> Tensor:
    """Row i of `a` against every row of `b` and the other rows of `a`; its positive is row i of `b`."""
    import torch

    z = torch.cat([a, b])
    logits = (z @ z.T) / temperature
    logits.fill_diagonal_(float("-inf"))
    n = a.size(0)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(a.device)
    return F.cross_entropy(logits, partner)
