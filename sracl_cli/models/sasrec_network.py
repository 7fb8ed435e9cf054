"""SASRec as in the SRA-CL/ICLRec code: learned positions, post-LN Transformer, tied item embeddings.

Positions (`model.positions`): `padded` (the official code) numbers the columns of the left-padded window, so the
last item is always at L-1; `from_first` numbers the items from the first real one, so a prefix gets the same
position ids alone as inside a longer row, and the state at each position of a row equals the encoding of that
prefix (what `train.samples = "sequence"` trains on).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sracl_cli.models.protocol import Batch, full_softmax_loss
from sracl_cli.models.transformer import TransformerLayer, attention_mask
from sracl_cli.models.transformer_config import TransformerConfig


class SASRec(nn.Module):
    causal = True

    def __init__(self, config: TransformerConfig, n_items: int, max_len: int, extra_tokens: int = 0):
        super().__init__()
        self.config = config
        self.n_items = n_items
        self.positions_from_first = getattr(config, "positions", "padded") == "from_first"
        self.item_embedding = nn.Embedding(n_items + 1 + extra_tokens, config.hidden, padding_idx=0)
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
        hidden = self.item_embedding(item_seq) + self.position_embedding(self.position_ids(item_seq))
        hidden = self.input_dropout(self.input_norm(hidden))
        mask = attention_mask(item_seq, causal=self.causal)
        for layer in self.layers:
            hidden = layer(hidden, mask)
        return hidden

    def position_ids(self, item_seq: Tensor) -> Tensor:
        columns = torch.arange(item_seq.size(1), device=item_seq.device)
        if not self.positions_from_first:
            return columns
        padding = item_seq.size(1) - (item_seq > 0).sum(dim=1, keepdim=True)
        return (columns - padding).clamp_min(0)

    def encode(self, item_seq: Tensor) -> Tensor:
        return self.sequence_output(item_seq)[:, -1]

    def sequence_states(self, item_seq: Tensor) -> Tensor:
        return self.sequence_output(item_seq)

    def item_embeddings(self) -> Tensor:
        return self.item_embedding.weight[: self.n_items + 1]

    def rec_loss(self, batch: Batch) -> Tensor:
        return full_softmax_loss(self, batch)
