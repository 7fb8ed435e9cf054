"""CL4SRec: two randomly augmented views of each sequence, NT-Xent between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor

from sracl_cli.objectives.augmentations import random_augment
from sracl_cli.objectives.base import ObjectiveModule
from sracl_cli.objectives.infonce import nt_xent

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch
    from sracl_cli.objectives.cl4srec import CL4SRecConfig


class CL4SRecObjective(ObjectiveModule):
    def __init__(self, config: CL4SRecConfig):
        super().__init__()
        self.config = config
        self.weights = {"rec": 1.0, "cl": config.weight}

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        c = self.config
        views = [random_augment(batch.inputs, c.crop, c.mask, c.reorder) for _ in range(2)]
        contrast = nt_xent(backbone.encode(views[0]), backbone.encode(views[1]), c.temperature)
        return {"rec": backbone.rec_loss(batch), "cl": contrast}
