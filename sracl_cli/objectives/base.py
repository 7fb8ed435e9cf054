"""`ObjectiveModule`: the defaults every built-in objective shares (no sample units, nothing to start or update)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone
    from sracl_cli.training.runtime import Runtime


class ObjectiveModule(nn.Module):
    weights: dict[str, float]
    sample_units: Tensor | None = None

    def start(self, backbone: Backbone) -> None:
        """Nothing to prepare before the first epoch."""

    def update_state(self, runtime: Runtime) -> None:
        """No state besides the parameters."""
