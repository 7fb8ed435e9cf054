"""The distributed runtime's gradient on two gloo processes equals one process's on the global batch: the
contrastive losses gather every rank's rows with gradients (global negatives), each rank's loss is weighted by
its share of the batch, DDP averages. With `gather_negatives` off the negatives are each rank's own rows, and
the gradient differs (so the equality is the gather's doing)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from sracl_cli.objectives.infonce import nt_xent, one_way_infonce
from sracl_cli.training.distributed import DistributedRuntime
from sracl_cli.training.launch import Launch
from sracl_cli.training.runtime import SingleProcess

BATCH, DIM = 7, 5  # 7 rows: the ranks hold 4 and 3 (an uneven split is the hard case)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(DIM, DIM)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.linear(inputs)


def inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return {name: torch.randn(BATCH, DIM, generator=generator) for name in ("a", "b")} | {
        "groups": torch.tensor([0, 1, 1, 2, 3, 3, 4])}


def loss(model: nn.Module, rows: torch.Tensor, form: str) -> torch.Tensor:
    data = inputs()
    a, b, groups = model(data["a"][rows]), model(data["b"][rows]), data["groups"][rows]
    if form == "symmetric":
        return nt_xent(a, b, 0.5, groups) + nt_xent(a, b, 0.5)
    return one_way_infonce(a, b, 0.5, groups) + one_way_infonce(a, b, 0.5)


def gradient(runtime, form: str) -> tuple[float, torch.Tensor]:
    """(this rank's loss, the weight gradient after backward) of one step on the global batch."""
    torch.manual_seed(1)
    model = runtime.prepare(Encoder())
    with runtime.autocast():
        value = loss(model, runtime.shard(torch.arange(BATCH)), form)
    runtime.backward(value)
    return value.item(), model.linear.weight.grad.clone()


CASES = [(form, gather) for form in ("symmetric", "one-way") for gather in (True, False)]


def rank_main(rank: int, port: int, results) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2,
                            timeout=timedelta(seconds=120))
    try:
        for form, gather in CASES:
            runtime = DistributedRuntime(torch.device("cpu"), Launch(rank, rank, 2), seed=0, gather_negatives=gather)
            results[rank, form, gather] = gradient(runtime, form)
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks() -> dict:
    """{(rank, form, gather): (loss, gradient)} from one two-process gloo group (spawning costs seconds)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(rank_main, args=(port, results), nprocs=2)
        return dict(results)


@pytest.mark.slow
@pytest.mark.parametrize("form", ["symmetric", "one-way"])
def test_two_ranks_have_the_single_process_gradient_with_global_negatives(two_ranks, form):
    single_loss, single_grad = gradient(SingleProcess(torch.device("cpu")), form)
    (loss_0, grad_0), (loss_1, grad_1) = two_ranks[0, form, True], two_ranks[1, form, True]
    torch.testing.assert_close(grad_0, grad_1, rtol=0, atol=0)  # DDP's average: the same on both ranks
    torch.testing.assert_close(grad_0, single_grad, rtol=1e-5, atol=1e-6)
    assert (4 * loss_0 + 3 * loss_1) / BATCH == pytest.approx(single_loss, rel=1e-6)  # weighted by rows


@pytest.mark.slow
@pytest.mark.parametrize("form", ["symmetric", "one-way"])
def test_local_negatives_give_a_different_gradient(two_ranks, form):
    _, single_grad = gradient(SingleProcess(torch.device("cpu")), form)
    assert (two_ranks[0, form, False][1] - single_grad).abs().max() > 1e-3
