"""Row gathers across torchrun ranks: every rank's rows of a tensor in rank order, with or without gradients.

Used by the distributed runtime (bank rows, statistics) and by the contrastive losses (global negatives,
`objectives/infonce.py`); it imports nothing of sracl's, so both can use it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_autograd
from torch import Tensor


def gather_with_grad(tensor: Tensor) -> tuple[Tensor, int]:
    """Every rank's rows of `tensor` in rank order, with gradients flowing back to the rank that made them, and
    where this rank's rows start. The backward sums every rank's gradient for a row (torch.distributed.nn's
    all_gather): with each rank's loss a mean over its own rows, `backward`'s weights and DDP's average make
    that the gradient of the global loss (pytorch issue 58005, open_clip issue 616 discuss this scale)."""
    return _gather_rows(tensor, _all_gather_with_grad)


def gather_rows(tensor: Tensor) -> tuple[Tensor, int]:
    """Every rank's rows of `tensor` in rank order (no gradient), and where this rank's rows start."""
    return _gather_rows(tensor, _all_gather)


def _all_gather_with_grad(tensor: Tensor) -> Sequence[Tensor]:
    with warnings.catch_warnings():  # torch 2.13 deprecates it for a private module (_functional_collectives)
        warnings.filterwarnings("ignore", "torch.distributed.nn.functional.all_gather is deprecated")
        return dist_autograd.all_gather(tensor)


def _all_gather(tensor: Tensor) -> list[Tensor]:
    parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, tensor.contiguous())
    return parts


def _gather_rows(tensor: Tensor, gather: Callable[[Tensor], Sequence[Tensor]]) -> tuple[Tensor, int]:
    """All ranks' rows through `gather`, which needs equal shapes: rows are padded to the longest, then cut."""
    counts = [int(count) for count in _all_gather(torch.tensor([len(tensor)], device=tensor.device))]
    padding = tensor.new_zeros((max(counts) - len(tensor), *tensor.shape[1:]))
    parts = gather(torch.cat([tensor, padding]) if len(padding) else tensor)
    rank = dist.get_rank()
    return torch.cat([part[:count] for part, count in zip(parts, counts, strict=True)]), sum(counts[:rank])
