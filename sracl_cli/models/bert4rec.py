"""BERT4Rec settings and entry point (network in bert4rec_network)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sracl_cli.models.protocol import BackboneSpec
from sracl_cli.models.transformer_config import TransformerConfig

if TYPE_CHECKING:
    from sracl_cli.models.bert4rec_network import BERT4Rec


class BERT4RecConfig(TransformerConfig):
    mask_prob: float = Field(0.2, gt=0, lt=1, description="share of positions masked for the cloze loss")


def build(config: BERT4RecConfig, n_items: int, max_len: int) -> BERT4Rec:
    from sracl_cli.models.bert4rec_network import BERT4Rec

    return BERT4Rec(config, n_items, max_len)


SPEC = BackboneSpec(
    config_model=BERT4RecConfig,
    build=build,
    description="BERT4Rec: bidirectional transformer, cloze loss",
)
