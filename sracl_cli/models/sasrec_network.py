"""SASRec as in the SRA-CL/ICLRec code: learned positions, post-LN Transformer, tied item embeddings."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sracl_cli.models.protocol import Batch, full_softmax_loss
from sracl_cli.models.sasrec import SASRecConfig

# Additive mask value of the reference code; finite, so fully padded rows stay NaN-free.
MASKED = -10000.0


class SASRec(nn.Module):
    def __init__(self, config: SASRecConfig, n_items: int, max_len: int):
        super().__init__()
        self.config = config
        self.item_embedding = nn.Embedding(n_items + 1, config.hidden, padding_idx=0)
        self.position_embedding = nn.Embedding(max_len, config.hidden)
        self.input_norm = nn.LayerNorm(config.hidden, eps=config.layer_norm_eps)
        self.input_dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.apply(self._init_weights)
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=self.config.init_std)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def sequence_output(self, item_seq: Tensor) -> Tensor:
        """Hidden states [B, L, d] for every position."""
        positions = torch.arange(item_seq.size(1), device=item_seq.device)
        hidden = self.item_embedding(item_seq) + self.position_embedding(positions)
        hidden = self.input_dropout(self.input_norm(hidden))
        mask = attention_mask(item_seq)
        for layer in self.layers:
            hidden = layer(hidden, mask)
        return hidden

    def encode(self, item_seq: Tensor) -> Tensor:
        return self.sequence_output(item_seq)[:, -1]

    def item_embeddings(self) -> Tensor:
        return self.item_embedding.weight

    def rec_loss(self, batch: Batch) -> Tensor:
        return full_softmax_loss(self, batch)


def attention_mask(item_seq: Tensor) -> Tensor:
    """Additive mask [B, 1, L, L]: a position sees itself and earlier non-padding positions."""
    length = item_seq.size(1)
    causal = torch.ones(length, length, dtype=torch.bool, device=item_seq.device).tril()
    allowed = causal & (item_seq > 0)[:, None, None, :]
    return torch.zeros(allowed.shape, device=item_seq.device).masked_fill(~allowed, MASKED)


class TransformerLayer(nn.Module):
    """Post-LN block: x = LN(x + Drop(Attn(x))); x = LN(x + Drop(FFN(x)))."""

    def __init__(self, config: SASRecConfig):
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
