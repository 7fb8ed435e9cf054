"""`none`: the backbone's own recommendation loss only (the paper's "w/o CL")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor

from sracl_cli.objectives.base import ObjectiveModule

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch


class PlainObjective(ObjectiveModule):
    weights = {"rec": 1.0}

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        return {"rec": backbone.rec_loss(batch)}
