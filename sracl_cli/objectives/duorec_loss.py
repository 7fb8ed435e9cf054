"""DuoRec: contrast a sequence's dropout view with another training sequence that has the same target.

In sequence mode each window contributes one anchor, a random position with a target (its state from the rec
pass, dropout on, as DuoRec's own code reuses the rec output), and the positive is a training prefix with that
position's target, encoded: one extra pass per window instead of one per prefix.
"""

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
    sorted_targets: Tensor

    def __init__(self, config: DuoRecConfig, train_inputs: np.ndarray, train_targets: np.ndarray,
                 sequence: bool = False):
        super().__init__()
        self.config = config
        self.sequence = sequence
        self.weights = {"rec": 1.0, "cl": config.weight}
        order = np.argsort(train_targets, kind="stable")
        self.register_buffer("inputs", torch.from_numpy(train_inputs), persistent=False)
        self.register_buffer("by_target", torch.from_numpy(order), persistent=False)
        self.register_buffer("sorted_targets", torch.from_numpy(train_targets[order]), persistent=False)

    def same_target_rows(self, targets: Tensor) -> Tensor:
        """A random training sample with each of `targets` as its target (a prefix sample's own target may pick
        itself when no other sample has it)."""
        start = torch.searchsorted(self.sorted_targets, targets)
        size = torch.searchsorted(self.sorted_targets, targets, right=True) - start
        pick = (torch.rand(targets.shape, device=targets.device) * size).long()
        return self.by_target[start + pick]

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        temperature = self.config.temperature
        if not self.sequence:
            positives = self.inputs[self.same_target_rows(batch.targets)]
            contrast = nt_xent(backbone.encode(batch.inputs), backbone.encode(positives), temperature)
            return {"rec": backbone.rec_loss(batch), "cl": contrast}
        rec, states = self.rec_pass(backbone, batch)
        assert states is not None
        anchors, targets = one_target_position(states, batch.targets)
        positives = backbone.encode(self.inputs[self.same_target_rows(targets)])
        return {"rec": rec, "cl": nt_xent(anchors, positives, temperature)}


def one_target_position(states: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
    """For each window with a target, the state and target of one of its target positions, drawn uniformly."""
    has_target = targets > 0
    rows = has_target.any(dim=1).nonzero().squeeze(1)
    column = torch.multinomial(has_target[rows].float(), 1).squeeze(1)
    return states[rows, column], targets[rows, column]
