"""SRA-CL's keys ([objective] name = "sracl") and entry point; the loss lives in sracl_loss (torch).

It reads the embed and index artifacts (`needs`): the pipeline runs those stages first and the train
manifest hashes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.objectives.protocol import ObjectiveContext, ObjectiveSpec

if TYPE_CHECKING:
    from sracl_cli.objectives.sracl_loss import SRACLObjective


class SRACLConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(0.1, ge=0, description="weight of the inter-user loss L_CS (0 ablates it)")
    beta: float = Field(0.1, ge=0, description="weight of the intra-user loss L_IS (0 ablates it)")
    substitute_p: float = Field(0.2, ge=0, le=1, description="per-item substitution probability of L_IS")
    temperature: float = Field(1.0, gt=0)
    infonce: Literal["symmetric", "one-way"] = "symmetric"
    synthesis: Literal["learnable", "uniform"] = "learnable"
    attn_dropout: float = Field(0.5, ge=0, lt=1, description="dropout on the synthesizer's attention weights")
    neighbor_encoding: Literal["live", "bank"] = "live"


def build(config: SRACLConfig, context: ObjectiveContext) -> SRACLObjective:
    from sracl_cli.data.split import left_padded_windows
    from sracl_cli.objectives.sracl_loss import SRACLObjective

    semantic = context.semantic
    assert semantic is not None, "SPEC.needs names the embed and index stages"
    units = semantic.units
    unit_inputs = left_padded_windows(context.data.items, units.start, units.end, context.max_len)
    sample_units = units.unit_of(context.train, context.data)
    return SRACLObjective(config, semantic, unit_inputs, sample_units, context.hidden)


SPEC = ObjectiveSpec(
    config_model=SRACLConfig,
    build=build,
    needs=("embed", "index"),
    description="SRA-CL: L_rec + alpha L_CS (synthesized neighbour positives) + beta L_IS (substituted views)",
)
