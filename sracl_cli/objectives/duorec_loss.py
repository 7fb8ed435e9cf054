"""DuoRec: contrast a sequence's dropout view with another training sequence that has the same target."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from sracl_cli.objectives.base import ObjectiveModule
from sracl_cli.objectives.infonce import nt_xent

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch
    from sracl_cli.objectives.duorec import DuoRecConfig


class DuoRecObjective(ObjectiveModule):
    inputs: Tensor
    by_target: Tensor
    group_start: Tensor
    group_size: Tensor

    def __init__(self, config: DuoRecConfig, train_inputs: np.ndarray, train_targets: np.ndarray):
        super().__init__()
        self.config = config
        self.weights = {"rec": 1.0, "cl": config.weight}
        order = np.argsort(train_targets, kind="stable")
        group_start = np.searchsorted(train_targets[order], train_targets)
        group_size = np.searchsorted(train_targets[order], train_targets, side="right") - group_start
        self.register_buffer("inputs", torch.from_numpy(train_inputs), persistent=False)
        self.register_buffer("by_target", torch.from_numpy(order), persistent=False)
        self.register_buffer("group_start", torch.from_numpy(group_start), persistent=False)
        self.register_buffer("group_size", torch.from_numpy(group_size), persistent=False)

    def same_target_rows(self, rows: Tensor) -> Tensor:
        """A random training sample with the same target for each row (itself when its target is unique)."""
        pick = (torch.rand(rows.shape, device=rows.device) * self.group_size[rows]).long()
        return self.by_target[self.group_start[rows] + pick]

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        assert batch.rows is not None
        positives = self.inputs[self.same_target_rows(batch.rows)]
        contrast = nt_xent(backbone.encode(batch.inputs), backbone.encode(positives), self.config.temperature)
        return {"rec": backbone.rec_loss(batch), "cl": contrast}
