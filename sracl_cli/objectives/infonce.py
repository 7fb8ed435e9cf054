"""InfoNCE with in-batch negatives, dot-product similarity."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def nt_xent(a: Tensor, b: Tensor, temperature: float = 1.0) -> Tensor:
    """Symmetric SimCLR form over 2B vectors: row i's positive is its partner, the other 2B - 2 are negatives."""
    z = torch.cat([a, b], dim=0)
    logits = (z @ z.T) / temperature
    logits.fill_diagonal_(float("-inf"))
    size = a.size(0)
    partner = torch.cat([torch.arange(size, 2 * size), torch.arange(size)]).to(a.device)
    return F.cross_entropy(logits, partner)


def one_way_infonce(anchors: Tensor, positives: Tensor, temperature: float = 1.0) -> Tensor:
    """Anchor i against all positives of the batch; positive i is the match, the others are negatives."""
    logits = (anchors @ positives.T) / temperature
    return F.cross_entropy(logits, torch.arange(anchors.size(0), device=anchors.device))


def contrastive_loss(a: Tensor, b: Tensor, temperature: float, form: str) -> Tensor:
    return nt_xent(a, b, temperature) if form == "symmetric" else one_way_infonce(a, b, temperature)
