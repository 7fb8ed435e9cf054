"""SRA-CL: L = L_rec + α·L_CS (inter-user, synthesized positives) + β·L_IS (intra-user, substituted views)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import torch
from torch import Tensor, nn

from sracl_cli.objectives.base import ObjectiveModule
from sracl_cli.objectives.infonce import contrastive_loss, nt_xent
from sracl_cli.objectives.semantic_inputs import SemanticInputs
from sracl_cli.objectives.substitution import substitute_neighbors
from sracl_cli.objectives.synthesizer import NeighborSynthesizer

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone, Batch, SequenceBackbone
    from sracl_cli.objectives.sracl import SRACLConfig
    from sracl_cli.training.runtime import Runtime

BANK_FILL_BATCH = 4096
CPU_ENCODE_ROWS = 512


@dataclass(frozen=True)
class SequenceUnits:
    """Sequence samples' units: per window position, the unit it is an L_CS anchor of and the unit whose state it
    is (-1: none); and, for `live`, what it takes to encode a unit's owner: the flat items, each unit's user's
    first position and each unit's end."""

    anchor_units: np.ndarray  # [W, L]
    state_units: np.ndarray  # [W, L]
    items: np.ndarray
    unit_first: np.ndarray  # [n_units]
    unit_end: np.ndarray  # [n_units]


class SRACLObjective(ObjectiveModule):
    """`live` re-encodes the k neighbour units with gradients every step (the paper: 14 encoder passes per
    sample); `bank` reads them from a per-unit bank of detached states, refreshed whenever a unit is an
    anchor (4 passes per sample). The refresh is applied after the optimizer step (`update_state`); the
    step itself never reads the rows it refreshes, so this equals writing them during the step.

    Sequence samples (`SequenceUnits`): every position with an anchor unit is an L_CS anchor (same-user positions
    are not negatives); `bank` rows of every unit a window's positions encode are refreshed from the one pass;
    `live` encodes each distinct neighbour owner once (the window ending at the latest neighbour unit of that
    owner) and reads each unit's position. L_IS substitutes items in the whole window and contrasts the two
    views at every position with a target; its negatives are the other users' positions, or with
    `intra_negatives = "same_position"` only those at the anchor's own position."""

    item_neighbors: Tensor
    user_neighbors: Tensor
    unit_inputs: Tensor
    unit_semantic: Tensor
    bank: Tensor
    anchor_units: Tensor  # sequence samples only (SequenceUnits)
    state_units: Tensor
    items: Tensor
    unit_first: Tensor
    unit_end: Tensor

    def __init__(
        self, config: SRACLConfig, semantic: SemanticInputs, unit_inputs: np.ndarray,
        sample_units: np.ndarray | None, hidden: int, sequence_units: SequenceUnits | None = None,
    ):
        super().__init__()
        self.config = config
        self.sequence = sequence_units is not None
        self.weights = {"rec": 1.0, "cs": config.alpha, "is": config.beta}
        self.sample_units = torch.from_numpy(sample_units) if sample_units is not None else None
        if sequence_units is not None:
            for name in ("anchor_units", "state_units", "items", "unit_first", "unit_end"):
                self.register_buffer(name, _long(getattr(sequence_units, name)), persistent=False)
        # Lookup tables are rebuilt from the run's artifacts, so they stay out of checkpoints.
        self.register_buffer("item_neighbors", _long(semantic.item_neighbors), persistent=False)
        self.register_buffer("user_neighbors", _long(semantic.user_neighbors), persistent=False)
        self.register_buffer("unit_inputs", _long(unit_inputs), persistent=False)
        self.register_buffer("unit_semantic", torch.from_numpy(semantic.unit_embeddings).float(), persistent=False)
        self.synthesizer = NeighborSynthesizer(
            semantic.semantic_dim, hidden, config.attn_dropout, uniform=config.synthesis == "uniform"
        )
        self.register_buffer("bank", torch.zeros(len(unit_inputs) if self.uses_bank else 0, hidden))
        self._fresh_rows: tuple[Tensor, Tensor] | None = None  # (units, anchor states) of the last step

    @property
    def uses_bank(self) -> bool:
        return self.config.neighbor_encoding == "bank"

    @torch.no_grad()
    def start(self, backbone: Backbone) -> None:
        if not self.uses_bank:
            return
        module = cast("nn.Module", backbone)  # every backbone is an nn.Module (BackboneSpec.build)
        was_training = module.training
        module.eval()
        for rows in torch.arange(len(self.unit_inputs)).split(BANK_FILL_BATCH):
            self.bank[rows] = backbone.encode(self.unit_inputs[rows])
        module.train(was_training)

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        if self.sequence:
            return self.sequence_losses(cast("SequenceBackbone", backbone), batch)
        losses = {"rec": backbone.rec_loss(batch)}
        if self.config.alpha > 0:
            losses["cs"] = self.inter_user(backbone, batch)
        if self.config.beta > 0:
            losses["is"] = self.intra_user(backbone, batch)
        return losses

    def update_state(self, runtime: Runtime) -> None:
        if self._fresh_rows is None:
            return
        units, states = self._fresh_rows
        self._fresh_rows = None
        self.bank[runtime.all_gather(units)] = runtime.all_gather(states)

    def inter_user(self, backbone: Backbone, batch: Batch) -> Tensor:
        assert batch.units is not None
        anchor = backbone.encode(batch.inputs)
        neighbors = self.user_neighbors[batch.units]
        states = self.neighbor_states(backbone, neighbors)
        if self.uses_bank:
            self._fresh_rows = (batch.units, anchor.detach())
        semantic = self.unit_semantic
        positive = self.synthesizer(semantic[batch.units], semantic[neighbors], states)
        return contrastive_loss(anchor, positive, self.config.temperature, self.config.infonce)

    def neighbor_states(self, backbone: Backbone, neighbors: Tensor) -> Tensor:
        if self.uses_bank:
            return self.bank[neighbors]
        sequences = self.unit_inputs[neighbors.reshape(-1)]
        if sequences.device.type == "cpu":
            # k·B rows in one call thrash the CPU caches: 512-row calls ran 1.3x faster
            # (SASRec, 2,560 x 20, 2-core CPU).
            encoded = torch.cat([backbone.encode(chunk) for chunk in sequences.split(CPU_ENCODE_ROWS)])
        else:
            encoded = backbone.encode(sequences)
        return encoded.view(*neighbors.shape, -1)

    def sequence_losses(self, backbone: SequenceBackbone, batch: Batch) -> dict[str, Tensor]:
        assert batch.rows is not None
        rec, states = self.rec_pass(backbone, batch)
        assert states is not None
        losses = {"rec": rec}
        rows = batch.rows[:, None].expand_as(batch.inputs)  # the group of each position: its window
        if self.config.alpha > 0:
            own = self.config.anchor == "own_pass"
            anchor_states = backbone.sequence_states(batch.inputs) if own else states
            losses["cs"] = self.sequence_inter_user(backbone, batch.rows, anchor_states, rows)
        if self.config.beta > 0:
            losses["is"] = self.sequence_intra_user(backbone, batch.inputs, batch.targets > 0, rows)
        return losses

    def sequence_intra_user(self, backbone: SequenceBackbone, inputs: Tensor, has_target: Tensor,
                            groups: Tensor) -> Tensor:
        p = self.config.substitute_p
        first = backbone.sequence_states(substitute_neighbors(inputs, self.item_neighbors, p))
        second = backbone.sequence_states(substitute_neighbors(inputs, self.item_neighbors, p))
        strata = None
        if self.config.intra_negatives == "same_position":
            strata = (inputs > 0).cumsum(1)[has_target]  # the prefix length: the position counted from the first item
        return nt_xent(first[has_target], second[has_target], self.config.temperature, groups[has_target], strata)

    def sequence_inter_user(self, backbone: SequenceBackbone, window_rows: Tensor, anchor_states: Tensor,
                            groups: Tensor) -> Tensor:
        anchor_units, state_units = self.anchor_units[window_rows], self.state_units[window_rows]
        is_anchor = anchor_units >= 0
        units = anchor_units[is_anchor]
        neighbors = self.user_neighbors[units]
        if self.uses_bank:
            states = self.bank[neighbors]
            fresh = state_units >= 0
            self._fresh_rows = (state_units[fresh], anchor_states[fresh].detach())
        else:
            states = self.owner_states(backbone, neighbors)
        semantic = self.unit_semantic
        positive = self.synthesizer(semantic[units], semantic[neighbors], states)
        return contrastive_loss(anchor_states[is_anchor], positive, self.config.temperature, self.config.infonce,
                                groups[is_anchor])

    def owner_states(self, backbone: SequenceBackbone, neighbors: Tensor) -> Tensor:
        """`live` states [N, k, d] of the neighbour units: one pass per distinct owner, over the `max_len` items
        ending at that owner's latest unit (a unit that starts before this window is read with the window's
        context; one that ends before it gets its own window)."""
        units, unit_index = neighbors.reshape(-1).unique(return_inverse=True)
        ends, firsts = self.unit_end[units], self.unit_first[units]
        owners, owner_index = firsts.unique(return_inverse=True)
        window_end = torch.zeros_like(owners).scatter_reduce(0, owner_index, ends, "amax", include_self=False)
        length = self.unit_inputs.size(1)
        column = length - 1 - (window_end[owner_index] - ends)
        outside = column < 0
        starts = torch.cat([owners, firsts[outside]])
        stops = torch.cat([window_end, ends[outside]])
        window = stops[:, None] - length + torch.arange(length, device=stops.device)
        inputs = torch.where(window >= starts[:, None], self.items[window.clamp_min(0)], 0)
        encoded = torch.cat([backbone.sequence_states(chunk) for chunk in inputs.split(CPU_ENCODE_ROWS)])
        picked = torch.where(outside, len(owners) + outside.cumsum(0) - 1, owner_index)
        unit_states = encoded[picked, torch.where(outside, length - 1, column)]
        return unit_states[unit_index].view(*neighbors.shape, -1)

    def intra_user(self, backbone: Backbone, batch: Batch) -> Tensor:
        p = self.config.substitute_p
        first = substitute_neighbors(batch.inputs, self.item_neighbors, p)
        second = substitute_neighbors(batch.inputs, self.item_neighbors, p)
        return nt_xent(backbone.encode(first), backbone.encode(second), self.config.temperature)


def _long(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))
