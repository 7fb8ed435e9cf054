"""The [optimizer] section → a torch optimizer, an optional learning-rate schedule, and gradient clipping."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

if TYPE_CHECKING:
    from sracl_cli.recipe import OptimizerSection


def build_optimizer(section: OptimizerSection, parameters: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    optimizer_type = torch.optim.AdamW if section.name == "adamw" else torch.optim.Adam
    return optimizer_type(parameters, lr=section.lr, betas=section.betas, eps=section.eps,
                          weight_decay=section.weight_decay)


def build_schedule(section: OptimizerSection, optimizer: torch.optim.Optimizer, total_steps: int) -> LambdaLR | None:
    """Linear warm-up over `warmup_steps`, then constant or cosine decay to 0 at `total_steps`; None when flat."""
    if section.schedule == "constant" and section.warmup_steps == 0:
        return None
    warmup, cosine = section.warmup_steps, section.schedule == "cosine"

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if not cosine:
            return 1.0
        progress = min((step - warmup) / max(total_steps - warmup, 1), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return LambdaLR(optimizer, factor)
