"""A dropout contrast objective: the smallest complete third-party objective plugin.

The loss is SimCSE's (Gao et al., 2021), used for sequences as DuoRec's unsupervised variant (Qiu et al.,
2022): the same sequence encoded twice, with two dropout masks, is its own positive; the other sequences
of the batch are the negatives. L = L_rec + weight · NT-Xent(h', h'').

The entry point names `SPEC`, an `ObjectiveSpec`: a pydantic model for the recipe's [objective] keys
(imported without torch, so `sracl validate` stays fast) and a `build` that imports torch when called.
It reads no artifacts, so `needs` stays empty and `sracl run` skips embed and index for it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.objectives.protocol import ObjectiveContext, ObjectiveSpec


class DropoutCLConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: float = Field(0.1, ge=0, description="weight of the contrastive loss")
    temperature: float = Field(1.0, gt=0)


def build(config: DropoutCLConfig, context: ObjectiveContext):
    from sracl_example_objective.loss import DropoutContrast

    return DropoutContrast(config)


SPEC = ObjectiveSpec(
    config_model=DropoutCLConfig, build=build, description="SimCSE-style contrast of two dropout views"
)
