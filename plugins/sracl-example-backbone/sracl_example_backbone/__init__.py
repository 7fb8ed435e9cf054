"""A mean-pooling backbone: the smallest complete sracl plugin.

The entry point names `SPEC`, a `BackboneSpec`: a pydantic model for the recipe's [model] keys (imported
without torch, so `sracl validate` stays fast) and a `build` function that imports torch when called.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.models.protocol import BackboneSpec


class MeanPoolConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: int = Field(64, gt=0)
    dropout: float = Field(0.2, ge=0, lt=1)


def build(config: MeanPoolConfig, n_items: int, max_len: int):
    from sracl_example_backbone.network import MeanPool

    return MeanPool(config, n_items, max_len)


SPEC = BackboneSpec(
    config_model=MeanPoolConfig,
    build=build,
    description="mean of the item embeddings (example plugin)",
)
