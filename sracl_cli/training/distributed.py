"""Training under torchrun: `torchrun --nproc-per-node N -m sracl_cli train RECIPE` (or `--nnodes M` with a c10d
rendezvous) runs one process per rank, all of them the same command.

torchrun starts the processes, gives each its rank in the environment and tears them all down when one dies;
this module reads that environment, joins the process group (gloo on CPU, nccl on CUDA) and implements the
`Runtime` over it. The data-parallel step is the single-process step on a contiguous part of each global
batch: DDP averages the gradients, `backward` weighs each rank by its share of the batch (exact even when the
last batch does not split evenly), and the contrastive losses draw their negatives from every rank's rows
(`collectives.gather_with_grad`, used by `objectives.infonce`).
"""

from __future__ import annotations

import inspect
import signal
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.distributed as dist
from rich.console import Console
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel

from sracl_cli.collectives import gather_rows
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.training.launch import Launch, torchrun_launch
from sracl_cli.training.runtime import ModuleT, Precision, mixed_precision

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

# How long a collective waits for the other ranks. A dead rank normally fails its peers at once (gloo and nccl
# see the closed connection, and torchrun stops the others); this bounds the wait for a rank that hangs.
TIMEOUT = timedelta(minutes=10)
LOST_PEER = ("Connection closed by peer", "Connection reset by peer", "remote worker")
# torch 2.13 renamed DDP's broadcast_buffers (the new name still syncs buffers once at init, which is fine here)
_NO_BUFFER_SYNC: dict[str, Any] = ({"forward_sync_buffers": False}
                   if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
                   else {"broadcast_buffers": False})


@contextmanager
def torchrun_command(console: Console, recipe: Recipe, lock: Callable[[], AbstractContextManager[object]]
                     ) -> Iterator[None]:
    """Around `sracl train` on every rank torchrun started: rank 0 alone takes the run folder's `lock`, prints
    (the others keep `console` quiet) and writes; the process group ends with the command; a collective that
    failed because another rank died becomes one clear line."""
    launch = torchrun_launch()
    if launch is None or launch.world_size == 1:
        with lock():
            yield
        return
    if recipe.config.train.seeds:
        raise UsageError(f"{recipe.source}: train.seeds: under torchrun, train one seed per job "
                         "(--set train.seed=N, without train.seeds)")
    console.quiet = launch.rank != 0
    signal.signal(signal.SIGTERM, partial(_stopped, launch))
    try:
        with lock() if launch.rank == 0 else nullcontext():
            yield
    except RuntimeError as error:
        if not _lost_peer(error):
            raise
        raise RunFailure(f"rank {launch.rank} of {launch.world_size}: lost contact with the other ranks (another "
                         "rank was killed or failed: torchrun's summary names it)") from None
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # ending already: let this rank print why, then exit
        if dist.is_initialized():
            dist.destroy_process_group()


def _lost_peer(error: RuntimeError) -> bool:
    """A collective failed because a peer is gone (gloo raises a plain RuntimeError for a closed connection)."""
    text = str(error)
    return isinstance(error, dist.DistError) or any(sign in text for sign in LOST_PEER)


def _stopped(launch: Launch, signum: int, frame: object) -> None:
    """torchrun sends SIGTERM to the other ranks when one fails: end like a failure (the lock is released)."""
    raise RunFailure(f"rank {launch.rank} of {launch.world_size}: stopped by torchrun because another rank failed "
                     "(torchrun's summary names it)")


def join(launch: Launch, device: torch.device) -> torch.device:
    """Join the process group (once per process); returns the device this rank trains on."""
    if device.type == "cuda":
        device = torch.device("cuda", launch.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        cuda = device.type == "cuda"
        bound: dict[str, Any] = {"device_id": device} if cuda else {}  # the argument is torch >= 2.3
        dist.init_process_group("nccl" if cuda else "gloo", rank=launch.rank, world_size=launch.world_size,
                                timeout=TIMEOUT, **bound)
    return device


class _Replicated(DistributedDataParallel):
    """DDP that still answers the wrapped module's own attributes (`total`, `backbone`, `loss_objective`), so the
    loop, checkpoints and objectives use the module as they do in one process; `forward` goes through DDP."""

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)


@dataclass
class DistributedRuntime:
    """One rank of a torchrun job (see the module docstring)."""

    device: torch.device
    launch: Launch
    seed: int
    precision: Precision = "float32"
    gather_negatives: bool = True  # train.gather_negatives: contrastive negatives from every rank's rows
    _share: float = 1.0  # world_size x this rank's fraction of the current global batch

    @property
    def is_main(self) -> bool:
        return self.launch.rank == 0

    @property
    def world_size(self) -> int:
        return self.launch.world_size

    def prepare(self, module: ModuleT) -> ModuleT:
        """The module on this rank's device, wrapped in DDP (rank 0's weights are copied to every rank). Buffers
        are not re-broadcast each step: they are constants or, like SRA-CL's bank, kept equal by `all_gather`.
        From here on the rank draws its own random numbers (dropout, augmentations): seed + rank; the data order
        has its own generator, the same on every rank."""
        module = module.to(self.device)
        ids = [self.device.index] if self.device.type == "cuda" else None
        # static_graph: the same parameters take part in every step, and some never do (an ablated loss term)
        wrapped = _Replicated(module, device_ids=ids, static_graph=True, **_NO_BUFFER_SYNC)
        torch.manual_seed(self.seed + self.launch.rank)
        return cast("ModuleT", wrapped)

    def shard(self, rows: Tensor) -> Tensor:
        """This rank's contiguous part of the global batch (rank order = the batch's order)."""
        if len(rows) < self.world_size:
            raise UsageError(f"train.batch_size: a batch of {len(rows)} sample(s) cannot be split over "
                             f"{self.world_size} processes (the epoch's last batch); choose a batch size that "
                             f"leaves at least {self.world_size} samples in it, or fewer processes")
        mine = rows.tensor_split(self.world_size)[self.launch.rank]
        self._share = self.world_size * len(mine) / len(rows)
        return mine

    def backward(self, loss: Tensor) -> None:
        """Each rank's loss is the mean over its rows; weighted by its share of the batch, DDP's average of the
        gradients is the gradient of the global batch's mean."""
        (loss * self._share).backward()

    def all_gather(self, tensor: Tensor) -> Tensor:
        return gather_rows(tensor)[0]

    def reduce(self, value: Tensor) -> Tensor:
        summed = value.to(self.device, copy=True)
        dist.all_reduce(summed)
        return summed.to(value.device)

    def barrier(self) -> None:
        dist.barrier()

    def autocast(self) -> AbstractContextManager[object]:
        from sracl_cli.objectives.infonce import global_negatives

        stack = ExitStack()
        stack.enter_context(mixed_precision(self.device, self.precision))
        if self.gather_negatives:
            stack.enter_context(global_negatives())
        return stack
