"""`TrainingModule`: the backbone and the objective as one `nn.Module` whose `forward(batch)` is the loss dict.

It is what the optimizer steps, what a runtime moves (or wraps, e.g. in DDP) and what checkpoints hold, so the
whole computation of a step goes through one `forward`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from torch import Tensor, nn

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch
    from sracl_cli.objectives.protocol import Objective


class TrainingModule(nn.Module):
    def __init__(self, backbone: nn.Module, objective: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.objective = objective

    @property
    def loss_objective(self) -> Objective:
        return cast("Objective", self.objective)

    @property
    def loss_backbone(self) -> Backbone:
        return cast("Backbone", self.backbone)

    def forward(self, batch: Batch) -> dict[str, Tensor]:
        return self.loss_objective.losses(self.loss_backbone, batch)

    def total(self, losses: dict[str, Tensor]) -> Tensor:
        """The weighted sum the optimizer minimises."""
        weights = self.loss_objective.weights
        total: Tensor = sum(weights[name] * value for name, value in losses.items())  # type: ignore[assignment]
        return total
