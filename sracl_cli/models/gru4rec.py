"""GRU4Rec settings and entry point (network in gru4rec_network)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.models.protocol import BackboneSpec

if TYPE_CHECKING:
    from sracl_cli.models.gru4rec_network import GRU4Rec


class GRU4RecConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: int = Field(64, gt=0, description="item embedding and GRU state size")
    n_layers: int = Field(1, gt=0)
    dropout: float = Field(0.25, ge=0, lt=1, description="dropout on the item embeddings")
    init_std: float = Field(0.02, gt=0)


def build(config: GRU4RecConfig, n_items: int, max_len: int) -> GRU4Rec:
    from sracl_cli.models.gru4rec_network import GRU4Rec

    return GRU4Rec(config, n_items)


SPEC = BackboneSpec(
    config_model=GRU4RecConfig,
    build=build,
    description="GRU4Rec: a GRU over the real items, last state",
)
