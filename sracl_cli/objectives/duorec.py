"""DuoRec's keys ([objective] name = "duorec") and entry point; the loss lives in duorec_loss (torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.objectives.protocol import BOTH_SAMPLE_MODES, ObjectiveContext, ObjectiveSpec

if TYPE_CHECKING:
    from sracl_cli.objectives.duorec_loss import DuoRecObjective


class DuoRecConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: float = Field(0.1, ge=0, description="weight of the contrastive loss")
    temperature: float = Field(1.0, gt=0)


def build(config: DuoRecConfig, context: ObjectiveContext) -> DuoRecObjective:
    from sracl_cli.objectives.duorec_loss import DuoRecObjective

    return DuoRecObjective(config, context.train.inputs, context.train.targets, context.sequences is not None)


SPEC = ObjectiveSpec(
    config_model=DuoRecConfig,
    build=build,
    samples=BOTH_SAMPLE_MODES,
    description="DuoRec: NT-Xent with a training sample of the same target",
)
