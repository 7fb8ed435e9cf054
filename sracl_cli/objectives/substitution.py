"""Intra-user views: each real item is swapped, with probability p, for one of its semantic neighbours."""

from __future__ import annotations

import torch
from torch import Tensor


def substitute_neighbors(inputs: Tensor, item_neighbors: Tensor, p: float) -> Tensor:
    """One augmented view of a batch [B, L]; padding stays padding and a neighbour is never padding.

    `item_neighbors` [n_items + 1, k]: a uniformly drawn column is the replacement. A 0 in the table (an item
    with fewer than k neighbours) means "keep the original item".
    """
    replace = (torch.rand(inputs.shape, device=inputs.device) < p) & (inputs > 0)
    column = torch.randint(item_neighbors.size(1), inputs.shape, device=inputs.device)
    candidates = item_neighbors[inputs, column]
    return torch.where(replace & (candidates > 0), candidates, inputs)
