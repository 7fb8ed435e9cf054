"""SRA-CL's keys ([objective] name = "sracl") and entry point; the loss lives in sracl_loss (torch).

It reads the embed and index artifacts (`needs`): the pipeline runs those stages first and the train
manifest hashes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import UsageError
from sracl_cli.objectives.protocol import BOTH_SAMPLE_MODES, ObjectiveContext, ObjectiveSpec

if TYPE_CHECKING:
    from sracl_cli.objectives.sracl_loss import SRACLObjective


class SRACLConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(0.1, ge=0, description="weight of the inter-user loss L_CS (0 ablates it)")
    beta: float = Field(0.1, ge=0, description="weight of the intra-user loss L_IS (0 ablates it)")
    substitute_p: float = Field(0.2, ge=0, le=1, description="per-item substitution probability of L_IS")
    intra_negatives: Literal["all", "same_position"] = Field(
        "all", description="sequence samples: L_IS negatives at every position of the other users, or only at the "
        "anchor's own position counted from the window's first item (the position then tells an anchor from none "
        "of its negatives)",
    )
    temperature: float = Field(1.0, gt=0)
    infonce: Literal["symmetric", "one-way"] = "symmetric"
    synthesis: Literal["learnable", "uniform"] = "learnable"
    attn_dropout: float = Field(0.5, ge=0, lt=1, description="dropout on the synthesizer's attention weights")
    neighbor_encoding: Literal["live", "bank"] = "live"
    anchor: Literal["own_pass", "rec_pass"] = Field(
        "own_pass", description="L_CS anchor states: an extra encoder pass, or the rec pass's (sequence samples)"
    )
    user_anchors: Literal["every_position", "final"] = Field(
        "every_position", description="sequence samples with one unit per user: every position with a target "
        "contrasts with the user's neighbours, or only the final state (the unit's own encoding)",
    )


def mode_problems(config: SRACLConfig, samples: str) -> list[str]:
    if samples == "sequence":
        return []
    problems = []
    if config.anchor == "rec_pass":
        problems.append('objective.anchor = "rec_pass" needs train.samples = "sequence" (a prefix sample\'s rec loss '
                        "is the backbone's own, whose states it does not expose)")
    if config.intra_negatives != "all":
        problems.append('objective.intra_negatives = "same_position" needs train.samples = "sequence" (a prefix '
                        "sample has one anchor, so there is no other position to leave out)")
    return problems


def build(config: SRACLConfig, context: ObjectiveContext) -> SRACLObjective:
    from sracl_cli.data.split import left_padded_windows
    from sracl_cli.objectives.sracl_loss import SequenceUnits, SRACLObjective

    semantic = context.semantic
    assert semantic is not None, "SPEC.needs names the embed and index stages"
    units = semantic.units
    unit_inputs = left_padded_windows(context.data.items, units.start, units.end, context.max_len)
    windows = context.sequences
    if windows is None:
        if problems := mode_problems(config, "prefix"):
            raise UsageError(*problems)
        sample_units = units.unit_of(context.train, context.data)
        return SRACLObjective(config, semantic, unit_inputs, sample_units, context.hidden)
    state_units = units.unit_at_positions(windows.positions, windows.users, context.data)
    state_units = np.where(windows.counted, state_units, -1)
    has_target = windows.targets > 0
    if units.mode == "user":
        user_unit = np.searchsorted(units.user, windows.users)[:, None]
        anchor_units = state_units if config.user_anchors == "final" else np.where(has_target, user_unit, -1)
    else:
        anchor_units = np.where(has_target, state_units, -1)
    sequence_units = SequenceUnits(anchor_units, state_units, context.data.items, context.data.offsets[units.user],
                                   units.end)
    return SRACLObjective(config, semantic, unit_inputs, None, context.hidden, sequence_units)


SPEC = ObjectiveSpec(
    config_model=SRACLConfig,
    build=build,
    needs=("embed", "index"),
    samples=BOTH_SAMPLE_MODES,
    mode_problems=mode_problems,
    description="SRA-CL: L_rec + alpha L_CS (synthesized neighbour positives) + beta L_IS (substituted views)",
)
