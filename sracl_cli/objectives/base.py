"""`ObjectiveModule`: the defaults every built-in objective shares (no sample units, nothing to start or update)
and the recommendation loss in either sample mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from torch import Tensor, nn

from sracl_cli.models.protocol import sequence_rec_loss

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch, SequenceBackbone
    from sracl_cli.training.runtime import Runtime


class ObjectiveModule(nn.Module):
    weights: dict[str, float]
    sample_units: Tensor | None = None
    sequence: bool = False  # trains on sequence windows (`train.samples = "sequence"`): a target per position

    def start(self, backbone: Backbone) -> None:
        """Nothing to prepare before the first epoch."""

    def update_state(self, runtime: Runtime) -> None:
        """No state besides the parameters."""

    def rec_pass(self, backbone: Backbone, batch: Batch) -> tuple[Tensor, Tensor | None]:
        """The recommendation loss, and in sequence mode the states [B, L, d] it was computed from."""
        if not self.sequence:
            return backbone.rec_loss(batch), None
        states = cast("SequenceBackbone", backbone).sequence_states(batch.inputs)
        return sequence_rec_loss(states, backbone.item_embeddings(), batch.targets), states
