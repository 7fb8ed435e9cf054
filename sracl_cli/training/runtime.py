"""How training runs: the device, which process writes, and the collective operations the loop and the
objectives use. `SingleProcess` is the trivial runtime (one process, CPU or one GPU); `DistributedRuntime`
(distributed.py, one rank of a torchrun job) implements the same small surface (Lightning's `Strategy`,
torchtune-sized). `build_runtime` picks the one this process runs under.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

import torch
from torch import Tensor, nn

from sracl_cli.devices import pick_device

if TYPE_CHECKING:
    from sracl_cli.recipe import TrainSection

Precision = Literal["float32", "bfloat16"]
ModuleT = TypeVar("ModuleT", bound=nn.Module)


class Runtime(Protocol):
    device: torch.device

    @property
    def is_main(self) -> bool:
        """The one process that writes artifacts and prints."""

    @property
    def world_size(self) -> int: ...

    def prepare(self, module: ModuleT) -> ModuleT:
        """The module moved to the device (and wrapped, where the runtime wraps: the wrapper keeps the
        module's attributes)."""

    def shard(self, rows: Tensor) -> Tensor:
        """This process's share of one global batch of shuffled sample indices."""

    def backward(self, loss: Tensor) -> None:
        """Back-propagate this process's loss (the mean over its share of the batch)."""

    def all_gather(self, tensor: Tensor) -> Tensor:
        """Every process's `tensor`, concatenated along dim 0 in rank order (row counts may differ)."""

    def reduce(self, value: Tensor) -> Tensor:
        """The sum of `value` over processes."""

    def barrier(self) -> None: ...

    def autocast(self) -> AbstractContextManager[object]:
        """The context the forward pass runs in: mixed precision (and, distributed, global negatives)."""


@dataclass
class SingleProcess:
    device: torch.device
    precision: Precision = "float32"
    is_main: bool = True
    world_size: int = 1

    def prepare(self, module: ModuleT) -> ModuleT:
        return module.to(self.device)

    def shard(self, rows: Tensor) -> Tensor:
        return rows

    def backward(self, loss: Tensor) -> None:
        loss.backward()

    def all_gather(self, tensor: Tensor) -> Tensor:
        return tensor

    def reduce(self, value: Tensor) -> Tensor:
        return value

    def barrier(self) -> None:
        pass

    def autocast(self) -> AbstractContextManager[object]:
        return mixed_precision(self.device, self.precision)


def mixed_precision(device: torch.device, precision: Precision) -> AbstractContextManager[object]:
    if precision == "float32":
        return nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def build_runtime(train: TrainSection) -> Runtime:
    """One process, or this process's rank when torchrun started it (joining the process group)."""
    from sracl_cli.training.distributed import DistributedRuntime, join
    from sracl_cli.training.launch import torchrun_launch

    device = pick_device(train.device)
    launch = torchrun_launch()
    if launch is None or launch.world_size == 1:
        return SingleProcess(device, train.precision)
    return DistributedRuntime(join(launch, device), launch, train.seed, train.precision, train.gather_negatives)


def summed(totals: dict[str, float], runtime: Runtime) -> dict[str, float]:
    """Per-process totals (e.g. an epoch's loss sums) summed over every process."""
    values = runtime.reduce(torch.tensor(list(totals.values()), dtype=torch.float64))
    return dict(zip(totals, values.tolist(), strict=True))
