"""CL4SRec's keys ([objective] name = "cl4srec") and entry point; the loss lives in cl4srec_loss (torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.objectives.protocol import BOTH_SAMPLE_MODES, ObjectiveContext, ObjectiveSpec

if TYPE_CHECKING:
    from sracl_cli.objectives.cl4srec_loss import CL4SRecObjective


class CL4SRecConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: float = Field(0.1, ge=0, description="weight of the contrastive loss")
    temperature: float = Field(1.0, gt=0)
    crop: float = Field(0.6, gt=0, le=1, description="share of items a crop keeps")
    mask: float = Field(0.3, ge=0, lt=1, description="probability of dropping an item")
    reorder: float = Field(0.6, gt=0, le=1, description="share of items a reorder shuffles")


def build(config: CL4SRecConfig, context: ObjectiveContext) -> CL4SRecObjective:
    from sracl_cli.objectives.cl4srec_loss import CL4SRecObjective

    return CL4SRecObjective(config, sequence=context.sequences is not None)


SPEC = ObjectiveSpec(
    config_model=CL4SRecConfig,
    build=build,
    samples=BOTH_SAMPLE_MODES,
    description="CL4SRec: NT-Xent between two crop/mask/reorder views",
)
