"""`none`: the backbone's own recommendation loss only (the paper's "w/o CL"). No keys of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from sracl_cli.objectives.protocol import BOTH_SAMPLE_MODES, ObjectiveContext, ObjectiveSpec

if TYPE_CHECKING:
    from sracl_cli.objectives.plain_loss import PlainObjective


class PlainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


def build(config: PlainConfig, context: ObjectiveContext) -> PlainObjective:
    from sracl_cli.objectives.plain_loss import PlainObjective

    return PlainObjective(sequence=context.sequences is not None)


SPEC = ObjectiveSpec(
    config_model=PlainConfig, build=build, samples=BOTH_SAMPLE_MODES, description="next-item cross-entropy only"
)
