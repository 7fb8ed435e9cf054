"""Mean of the item embeddings of a sequence, weighted by a learned per-position recency weight."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sracl_cli.models.protocol import Batch, full_softmax_loss


class MeanPool(nn.Module):
    def __init__(self, config, n_items: int, max_len: int):
        super().__init__()
        self.item_embedding = nn.Embedding(n_items + 1, config.hidden, padding_idx=0)
        self.position_logits = nn.Parameter(torch.zeros(max_len))
        self.project = nn.Linear(config.hidden, config.hidden)
        self.dropout = nn.Dropout(config.dropout)
        nn.init.normal_(self.item_embedding.weight, std=0.02)
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()

    def encode(self, item_seq: Tensor) -> Tensor:
        weights = self.position_logits[-item_seq.size(1) :].exp() * (item_seq > 0)
        weights = weights / weights.sum(dim=1, keepdim=True).clamp_min(1e-9)
        pooled = (self.dropout(self.item_embedding(item_seq)) * weights.unsqueeze(-1)).sum(dim=1)
        return self.project(pooled)

    def item_embeddings(self) -> Tensor:
        return self.item_embedding.weight

    def rec_loss(self, batch: Batch) -> Tensor:
        return full_softmax_loss(self, batch)
