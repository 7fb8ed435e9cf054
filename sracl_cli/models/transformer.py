"""Transformer blocks shared by SASRec (causal) and BERT4Rec (bidirectional), as in the reference code."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Additive mask value of the reference code; finite, so fully padded rows stay NaN-free.
MASKED = -10000.0


def attention_mask(item_seq: Tensor, causal: bool = True) -> Tensor:
    """Additive mask [B, 1, L, L]: a position sees non-padding positions (only earlier ones when causal)."""
    length = item_seq.size(1)
    allowed = (item_seq > 0)[:, None, None, :]
    if causal:
        allowed = allowed & torch.ones(length, length, dtype=torch.bool, device=item_seq.device).tril()
    return torch.zeros(allowed.shape, device=item_seq.device).masked_fill(~allowed, MASKED)


class TransformerLayer(nn.Module):
    """Post-LN block: x = LN(x + Drop(Attn(x))); x = LN(x + Drop(FFN(x)))."""

    def __init__(self, config):
        super().__init__()
        self.n_heads = config.n_heads
        self.attn_dropout = config.attn_dropout
        self.qkv = nn.Linear(config.hidden, 3 * config.hidden)
        self.attn_out = nn.Linear(config.hidden, config.hidden)
        self.attn_norm = nn.LayerNorm(config.hidden, eps=config.layer_norm_eps)
        self.ffn_in = nn.Linear(config.hidden, config.inner)
        self.ffn_out = nn.Linear(config.inner, config.hidden)
        self.ffn_norm = nn.LayerNorm(config.hidden, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, hidden: Tensor, mask: Tensor) -> Tensor:
        hidden = self.attn_norm(hidden + self.dropout(self.attn_out(self._attention(hidden, mask))))
        feed_forward = self.ffn_out(F.gelu(self.ffn_in(hidden)))
        return self.ffn_norm(hidden + self.dropout(feed_forward))

    def _attention(self, hidden: Tensor, mask: Tensor) -> Tensor:
        batch, length, width = hidden.shape
        q, k, v = (
            part.view(batch, length, self.n_heads, width // self.n_heads).transpose(1, 2)
            for part in self.qkv(hidden).chunk(3, dim=-1)
        )
        dropout = self.attn_dropout if self.training else 0.0
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)
        return context.transpose(1, 2).reshape(batch, length, width)
