"""The settings of the post-LN transformer encoder that SASRec and BERT4Rec share (no torch)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TransformerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: int = Field(64, gt=0)
    n_layers: int = Field(2, gt=0)
    n_heads: int = Field(2, gt=0)
    inner: int = Field(256, gt=0, description="feed-forward width")
    dropout: float = Field(0.5, ge=0, lt=1, description="hidden-state dropout")
    attn_dropout: float = Field(0.5, ge=0, lt=1)
    init_std: float = Field(0.02, gt=0)
    layer_norm_eps: float = Field(1e-12, gt=0)

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> TransformerConfig:
        if self.hidden % self.n_heads:
            raise ValueError(f"hidden ({self.hidden}) must be divisible by n_heads ({self.n_heads})")
        return self
