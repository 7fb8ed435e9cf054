"""The epoch loop: train on every window, validate, keep the best model, stop early, checkpoint every epoch.

The loop knows nothing of stages or files: validation and the per-epoch writes come in as functions
(`Loop`), and everything that depends on how training runs goes through the `Runtime`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from rich.console import Console
from torch import Tensor, nn
from torch.optim.lr_scheduler import LRScheduler

from sracl_cli.data.split import Samples
from sracl_cli.models.protocol import Batch
from sracl_cli.training.module import TrainingModule
from sracl_cli.training.progress import EpochProgress, print_epoch
from sracl_cli.training.resume import TrainState
from sracl_cli.training.runtime import Runtime


@dataclass
class Trainee:
    """What one training run updates: the backbone + objective module, the optimizer and its schedule."""

    module: TrainingModule
    optimizer: torch.optim.Optimizer
    schedule: LRScheduler | None = None
    clip_norm: float | None = None

    @property
    def model(self) -> nn.Module:
        return self.module.backbone

    @property
    def objective(self) -> nn.Module:
        return self.module.objective


@dataclass
class Loop:
    epochs: int
    batch_size: int
    metric: str  # the validation metric that picks the best epoch and drives early stopping
    validate: Callable[[nn.Module], dict[str, float]]  # backbone -> validation metrics
    save: Callable[[Trainee, TrainState, bool], None]  # after each epoch, main process only (bool: new best)


def fit(trainee: Trainee, samples: Samples, state: TrainState, runtime: Runtime, loop: Loop,
        console: Console) -> TrainState:
    inputs, targets = torch.from_numpy(samples.inputs), torch.from_numpy(samples.targets)
    for epoch in range(state.epoch + 1, loop.epochs + 1):
        if state.stopper.should_stop:
            break
        stats = train_epoch(trainee, inputs, targets, loop.batch_size, state.generator, runtime, console, epoch)
        valid = loop.validate(trainee.model)
        improved = state.stopper.update(valid[loop.metric], epoch)
        state.history.append({"epoch": epoch, **stats, "valid": valid, "best": improved})
        state.epoch = epoch
        if runtime.is_main:
            loop.save(trainee, state, improved)
            print_epoch(console, epoch, stats, valid, loop.metric, improved)
    if state.stopper.should_stop and runtime.is_main:
        console.print(f"early stop: no {loop.metric} gain for {state.stopper.patience} epochs")
    return state


def train_epoch(trainee: Trainee, inputs: Tensor, targets: Tensor, batch_size: int, generator: torch.Generator,
                runtime: Runtime, console: Console, epoch: int) -> dict:
    trainee.module.train()
    order = torch.randperm(len(targets), generator=generator)
    totals: dict[str, float] = {}
    started = time.perf_counter()
    n_batches = (len(order) + batch_size - 1) // batch_size
    with EpochProgress(console, f"epoch {epoch}", n_batches, enabled=runtime.is_main) as progress:
        for done, rows in enumerate(order.split(batch_size), start=1):
            sample_units = trainee.module.loss_objective.sample_units
            batch = batch_rows(sample_units, inputs, targets, runtime.shard(rows), runtime.device)
            loss, losses = train_step(trainee, batch, runtime)
            for name, value in {"loss": loss, **losses}.items():
                totals[name] = totals.get(name, 0.0) + value.item() * len(rows)
            seen = min(done * batch_size, len(order))
            shown = "  ".join(f"{name} {total / seen:.4f}" for name, total in totals.items())
            progress.advance(shown, seen / (time.perf_counter() - started))
    seconds = time.perf_counter() - started
    means = {name: total / len(order) for name, total in totals.items()}
    return {"loss": means.pop("loss"), "losses": means, "seconds": seconds, "samples_per_s": len(order) / seconds}


def train_step(trainee: Trainee, batch: Batch, runtime: Runtime) -> tuple[Tensor, dict[str, Tensor]]:
    """One optimizer step on the objective's weighted loss; returns the total and its components."""
    with runtime.autocast():
        losses = trainee.module(batch)
        loss = trainee.module.total(losses)
    trainee.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if trainee.clip_norm is not None:
        nn.utils.clip_grad_norm_(trainee.module.parameters(), trainee.clip_norm)
    trainee.optimizer.step()
    if trainee.schedule is not None:
        trainee.schedule.step()
    trainee.module.loss_objective.update_state(runtime)
    return loss, losses


def batch_rows(sample_units: Tensor | None, inputs: Tensor, targets: Tensor, rows: Tensor,
               device: torch.device) -> Batch:
    """The training batch of sample indices `rows`, with each sample's user unit when the objective uses units."""
    units = sample_units[rows].to(device) if sample_units is not None else None
    return Batch(inputs[rows].to(device), targets[rows].to(device), units, rows.to(device))
