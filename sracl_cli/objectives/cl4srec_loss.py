"""CL4SRec: two randomly augmented views of each sequence, NT-Xent between them.

In sequence mode the views are of the whole window (as CL4SRec's own code augments whole training sequences) and
the final states are contrasted: one pair per window.
"""

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
    def __init__(self, config: CL4SRecConfig, sequence: bool = False):
        super().__init__()
        self.config = config
        self.sequence = sequence
        self.weights = {"rec": 1.0, "cl": config.weight}

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        c = self.config
        views = [random_augment(batch.inputs, c.crop, c.mask, c.reorder) for _ in range(2)]
        contrast = nt_xent(backbone.encode(views[0]), backbone.encode(views[1]), c.temperature)
        return {"rec": self.rec_pass(backbone, batch)[0], "cl": contrast}
