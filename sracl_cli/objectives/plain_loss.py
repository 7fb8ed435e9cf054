"""`none`: the backbone's own recommendation loss only (the paper's "w/o CL"); in sequence mode the next-item
loss at every position."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor

from sracl_cli.objectives.base import ObjectiveModule

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch


class PlainObjective(ObjectiveModule):
    weights = {"rec": 1.0}

    def __init__(self, sequence: bool = False):
        super().__init__()
        self.sequence = sequence

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        return {"rec": self.rec_pass(backbone, batch)[0]}
