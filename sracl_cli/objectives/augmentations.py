"""CL4SRec's sequence augmentations on whole left-padded batches [B, L], without per-sample Python.

crop: keep a random contiguous run of ⌊η·n⌋ items; mask: drop each item with probability γ (no mask token is
shared by every backbone, so masked items are removed and the rest re-padded); reorder: shuffle a random
contiguous run of ⌊β·n⌋ items. Each sample gets one of the three, chosen uniformly.
"""

from __future__ import annotations

import torch
from torch import Tensor


def random_augment(inputs: Tensor, crop: float, mask: float, reorder: float) -> Tensor:
    choice = torch.randint(3, (inputs.size(0), 1), device=inputs.device)
    views = (crop_view(inputs, crop), drop_view(inputs, mask), reorder_view(inputs, reorder))
    return torch.where(choice == 0, views[0], torch.where(choice == 1, views[1], views[2]))


def crop_view(inputs: Tensor, ratio: float) -> Tensor:
    length, real = _shape(inputs)
    keep = (real * ratio).floor().long().clamp_min(1).minimum(real.clamp_min(1))
    offset = (torch.rand(real.shape, device=inputs.device) * (real - keep + 1)).floor().long()
    first = length - real + offset  # position of the first kept item
    positions = torch.arange(length, device=inputs.device)
    source = first[:, None] + positions - (length - keep)[:, None]
    kept = positions >= (length - keep)[:, None]
    return torch.where(kept, inputs.gather(1, source.clamp(0, length - 1)), 0)


def drop_view(inputs: Tensor, probability: float) -> Tensor:
    length, real = _shape(inputs)
    dropped = (torch.rand(inputs.shape, device=inputs.device) < probability) & (inputs > 0)
    keep_last = torch.zeros_like(dropped)
    keep_last[:, -1] = True  # never drop everything
    survivors = (inputs > 0) & ~(dropped & ~keep_last)
    positions = torch.arange(length, device=inputs.device).expand_as(inputs)
    order = torch.where(survivors, positions, -1).sort(dim=1, stable=True)
    return torch.where(order.values >= 0, inputs.gather(1, order.indices), 0)


def reorder_view(inputs: Tensor, ratio: float) -> Tensor:
    length, real = _shape(inputs)
    span = (real * ratio).floor().long().clamp_min(1)
    offset = (torch.rand(real.shape, device=inputs.device) * (real - span + 1).clamp_min(1)).floor().long()
    start = length - real + offset
    positions = torch.arange(length, device=inputs.device).expand_as(inputs).float()
    inside = (positions >= start[:, None]) & (positions < (start + span)[:, None])
    keys = torch.where(
        inside, start[:, None] + torch.rand(inputs.shape, device=inputs.device) * span[:, None], positions
    )
    return inputs.gather(1, keys.argsort(dim=1))


def _shape(inputs: Tensor) -> tuple[int, Tensor]:
    return inputs.size(1), (inputs > 0).sum(dim=1)
