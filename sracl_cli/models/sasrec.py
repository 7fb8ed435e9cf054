"""SASRec settings and entry point. The network itself lives in sasrec_network (imports torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from sracl_cli.models.protocol import BackboneSpec
from sracl_cli.models.transformer_config import TransformerConfig

if TYPE_CHECKING:
    from sracl_cli.models.sasrec_network import SASRec


class SASRecConfig(TransformerConfig):
    """SASRec's keys: the transformer encoder's (models/transformer_config.py) and the position scheme."""

    positions: Literal["padded", "from_first"] = Field(
        "padded", description="padded: window columns (official code); from_first: counted from the first item"
    )


def build(config: SASRecConfig, n_items: int, max_len: int) -> SASRec:
    from sracl_cli.models.sasrec_network import SASRec

    return SASRec(config, n_items, max_len)


SPEC = BackboneSpec(
    config_model=SASRecConfig,
    build=build,
    description="SASRec: causal post-LN transformer, learned absolute positions",
)
