"""`none`: the backbone's own recommendation loss only (the paper's "w/o CL")."""

from __future__ import annotations

from torch import nn


class PlainObjective(nn.Module):
    weights = {"rec": 1.0}
    sample_units = None

    def start(self, backbone) -> None:
        pass

    def losses(self, backbone, batch):
        return {"rec": backbone.rec_loss(batch)}
