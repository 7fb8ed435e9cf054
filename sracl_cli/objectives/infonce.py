"""InfoNCE with in-batch negatives, dot-product similarity.

`groups` (optional, [B]): rows with the same group id are not each other's negatives — in sequence mode the
positions of one user are near copies of each other (the partner of a row stays its positive). `strata`
(optional, [B]): rows are each other's negatives only within one stratum (negatives at the anchor's own position).

Under torchrun (inside `global_negatives`, which the distributed runtime enters around the forward pass) the
negatives are every rank's rows: each rank scores its own rows against the gathered batch, so the losses of the
ranks average to the single-process loss of the global batch (`collectives.py` has the gradient side).
Outside it, and with `train.gather_negatives = false`, a rank's negatives are its own rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import torch
import torch.nn.functional as F
from torch import Tensor

from sracl_cli.collectives import gather_rows, gather_with_grad

_GLOBAL = ContextVar("sracl_global_negatives", default=False)


@contextmanager
def global_negatives() -> Iterator[None]:
    token = _GLOBAL.set(True)
    try:
        yield
    finally:
        _GLOBAL.reset(token)


def nt_xent(a: Tensor, b: Tensor, temperature: float = 1.0, groups: Tensor | None = None,
            strata: Tensor | None = None) -> Tensor:
    """Symmetric SimCLR form over 2B vectors: row i's positive is its partner, the other 2B - 2 are negatives."""
    all_a, start = _gathered(a)
    all_b, _ = _gathered(b)
    total, size = all_a.size(0), a.size(0)
    own = torch.arange(start, start + size, device=a.device)
    rows, partner = torch.cat([own, own + total]), torch.cat([own + total, own])  # of this rank's rows, in z
    logits = (torch.cat([a, b]) @ torch.cat([all_a, all_b]).T) / temperature
    hidden = torch.zeros_like(logits, dtype=torch.bool)
    if groups is not None:
        every = _gathered(groups, grad=False)[0]
        hidden = torch.cat([groups, groups])[:, None] == torch.cat([every, every])[None, :]
    if strata is not None:
        every = _gathered(strata, grad=False)[0]
        hidden |= torch.cat([strata, strata])[:, None] != torch.cat([every, every])[None, :]
    query = torch.arange(2 * size, device=a.device)
    hidden[query, partner] = False
    hidden[query, rows] = True  # a row is not its own negative
    return F.cross_entropy(logits.masked_fill(hidden, float("-inf")), partner)


def one_way_infonce(anchors: Tensor, positives: Tensor, temperature: float = 1.0,
                    groups: Tensor | None = None) -> Tensor:
    """Anchor i against all positives of the batch; positive i is the match, the others are negatives."""
    all_positives, start = _gathered(positives)
    logits = (anchors @ all_positives.T) / temperature
    match = torch.arange(start, start + anchors.size(0), device=anchors.device)
    if groups is not None:
        same = groups[:, None] == _gathered(groups, grad=False)[0][None, :]
        same[torch.arange(anchors.size(0), device=anchors.device), match] = False
        logits = logits.masked_fill(same, float("-inf"))
    return F.cross_entropy(logits, match)


def contrastive_loss(a: Tensor, b: Tensor, temperature: float, form: str, groups: Tensor | None = None) -> Tensor:
    if form == "symmetric":
        return nt_xent(a, b, temperature, groups)
    return one_way_infonce(a, b, temperature, groups)


def _gathered(tensor: Tensor, grad: bool = True) -> tuple[Tensor, int]:
    """(every rank's rows of `tensor`, where this rank's start) under `global_negatives`; else (tensor, 0)."""
    if not _GLOBAL.get():
        return tensor, 0
    return gather_with_grad(tensor) if grad else gather_rows(tensor)
