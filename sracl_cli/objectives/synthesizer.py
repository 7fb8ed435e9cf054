"""The learnable sample synthesizer: GAT-style attention over the semantic embeddings of the neighbours.

e(u, u') = LeakyReLU_0.2(aᵀ [W s_u ‖ W s_u']), p = softmax over the k neighbours (then dropout),
positive h⁺ = Σ p · h_u'. W is d_sem × d and a is 2d × 1, Xavier-uniform with gain 1.414 (as GAT).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class NeighborSynthesizer(nn.Module):
    def __init__(self, semantic_dim: int, hidden: int, attn_dropout: float, uniform: bool = False):
        super().__init__()
        self.uniform = uniform
        self.W = nn.Parameter(torch.empty(semantic_dim, hidden))
        self.a = nn.Parameter(torch.empty(2 * hidden, 1))
        nn.init.xavier_uniform_(self.W, gain=1.414)
        nn.init.xavier_uniform_(self.a, gain=1.414)
        self.dropout = nn.Dropout(attn_dropout)

    def weights(self, anchor_semantic: Tensor, neighbor_semantic: Tensor) -> Tensor:
        """Attention [B, k] of each anchor [B, d_sem] over its neighbours [B, k, d_sem]."""
        if self.uniform:
            k = neighbor_semantic.size(1)
            return torch.full(neighbor_semantic.shape[:2], 1.0 / k, device=neighbor_semantic.device)
        hidden = self.W.size(1)
        anchor_part = (anchor_semantic @ self.W) @ self.a[:hidden]  # [B, 1]
        neighbor_part = ((neighbor_semantic @ self.W) @ self.a[hidden:]).squeeze(-1)  # [B, k]
        scores = F.leaky_relu(anchor_part + neighbor_part, negative_slope=0.2)
        return self.dropout(torch.softmax(scores, dim=1))

    def forward(self, anchor_semantic: Tensor, neighbor_semantic: Tensor, neighbor_states: Tensor) -> Tensor:
        """The synthesized positive [B, d] from the neighbours' backbone states [B, k, d]."""
        weights = self.weights(anchor_semantic, neighbor_semantic)
        return (weights.unsqueeze(-1) * neighbor_states).sum(dim=1)
