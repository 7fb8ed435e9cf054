"""How training runs: the device, which process writes, and the collective operations the loop and the
objectives use. `SingleProcess` is the trivial runtime (one process, CPU or one GPU); a distributed one
implements the same small surface (Lightning's `Strategy`, torchtune-sized).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal, Protocol

import torch
from torch import Tensor, nn

Precision = Literal["float32", "bfloat16"]


class Runtime(Protocol):
    device: torch.device
    is_main: bool  # the one process that writes artifacts and prints
    world_size: int

    def prepare(self, module: nn.Module) -> nn.Module:
        """The module moved to the device (and wrapped, where the runtime wraps)."""

    def shard(self, rows: Tensor) -> Tensor:
        """This process's share of one epoch's shuffled sample indices."""

    def all_gather(self, tensor: Tensor) -> Tensor:
        """Every process's `tensor`, concatenated along dim 0 in rank order."""

    def reduce(self, value: Tensor) -> Tensor:
        """The sum of `value` over processes."""

    def barrier(self) -> None: ...

    def autocast(self) -> AbstractContextManager[object]:
        """The mixed-precision context the forward pass runs in."""


@dataclass
class SingleProcess:
    device: torch.device
    precision: Precision = "float32"
    is_main: bool = True
    world_size: int = 1

    def prepare(self, module: nn.Module) -> nn.Module:
        return module.to(self.device)

    def shard(self, rows: Tensor) -> Tensor:
        return rows

    def all_gather(self, tensor: Tensor) -> Tensor:
        return tensor

    def reduce(self, value: Tensor) -> Tensor:
        return value

    def barrier(self) -> None:
        pass

    def autocast(self) -> AbstractContextManager[object]:
        if self.precision == "float32":
            return nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)
