"""CL4SRec: two randomly augmented views of each sequence, NT-Xent between them."""

from __future__ import annotations

from torch import nn

from sracl_cli.objectives.augmentations import random_augment
from sracl_cli.objectives.infonce import nt_xent


class CL4SRecObjective(nn.Module):
    sample_units = None

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.weights = {"rec": 1.0, "cl": config.weight}

    def start(self, backbone) -> None:
        pass

    def losses(self, backbone, batch):
        c = self.config
        views = [random_augment(batch.inputs, c.crop, c.mask, c.reorder) for _ in range(2)]
        contrast = nt_xent(backbone.encode(views[0]), backbone.encode(views[1]), c.temperature)
        return {"rec": backbone.rec_loss(batch), "cl": contrast}
