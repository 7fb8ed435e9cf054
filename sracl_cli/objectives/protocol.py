"""The objective contract: named loss components of a batch, summed by the trainer with fixed weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from torch import Tensor

    from sracl_cli.models.protocol import Backbone, Batch


class Objective(Protocol):
    """An `nn.Module` (its parameters are trained with the backbone's and saved in checkpoints)."""

    weights: dict[str, float]  # component name -> weight in the total loss
    sample_units: Tensor | None  # [n_train] user unit of each training sample, when the objective needs it

    def start(self, backbone: Backbone) -> None:
        """Called once before the first epoch of a fresh (not resumed) run."""

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        """Unweighted loss components; keys are those of `weights`."""
