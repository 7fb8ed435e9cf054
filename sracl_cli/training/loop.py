"""The epoch loop: train on every sample (a prefix or a sequence window: training/batches.py), validate, keep
the best model, stop early, checkpoint every epoch.

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

from sracl_cli.models.protocol import Batch
from sracl_cli.training.batches import TrainingSet
from sracl_cli.training.module import TrainingModule
from sracl_cli.training.progress import EpochProgress, print_epoch
from sracl_cli.training.resume import TrainState
from sracl_cli.training.runtime import Runtime, summed


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


def fit(trainee: Trainee, training_set: TrainingSet, state: TrainState, runtime: Runtime, loop: Loop,
        console: Console) -> TrainState:
    for epoch in range(state.epoch + 1, loop.epochs + 1):
        if state.stopper.should_stop:
            break
        stats = train_epoch(trainee, training_set, loop.batch_size, state.generator, runtime, console, epoch)
        valid = loop.validate(trainee.model)
        improved = state.stopper.update(valid[loop.metric], epoch)
        state.history.append({"epoch": epoch, **stats, "valid": valid, "best": improved})
        state.epoch = epoch
        state.rng_states = runtime.all_gather(torch.get_rng_state()[None])  # every process's stream, to resume
        if runtime.is_main:
            loop.save(trainee, state, improved)
            print_epoch(console, epoch, stats, valid, loop.metric, improved)
    if state.stopper.should_stop and runtime.is_main:
        console.print(f"early stop: no {loop.metric} gain for {state.stopper.patience} epochs")
    return state


def train_epoch(trainee: Trainee, training_set: TrainingSet, batch_size: int, generator: torch.Generator,
                runtime: Runtime, console: Console, epoch: int) -> dict:
    trainee.module.train()
    batches = training_set.batches(generator, batch_size)
    totals: dict[str, float] = {}
    started = time.perf_counter()
    seen = mine = 0
    with EpochProgress(console, f"epoch {epoch}", len(batches), enabled=runtime.is_main) as progress:
        for rows in batches:
            sample_units = trainee.module.loss_objective.sample_units
            batch = training_set.batch(runtime.shard(rows), sample_units, runtime.device)
            loss, losses = train_step(trainee, batch, runtime)
            for name, value in {"loss": loss, **losses}.items():
                totals[name] = totals.get(name, 0.0) + value.item() * len(batch.inputs)
            seen, mine = seen + len(rows), mine + len(batch.inputs)  # rows of every process; of this one
            shown = "  ".join(f"{name} {total / mine:.4f}" for name, total in totals.items())
            progress.advance(shown, seen / (time.perf_counter() - started))
    seconds = time.perf_counter() - started
    means = {name: total / len(training_set) for name, total in summed(totals, runtime).items()}
    return {"loss": means.pop("loss"), "losses": means, "seconds": seconds,
            "samples_per_s": len(training_set) / seconds, "targets_per_s": training_set.n_targets / seconds}


def train_step(trainee: Trainee, batch: Batch, runtime: Runtime) -> tuple[Tensor, dict[str, Tensor]]:
    """One optimizer step on the objective's weighted loss; returns the total and its components."""
    with runtime.autocast():
        losses = trainee.module(batch)
        loss = trainee.module.total(losses)
    trainee.optimizer.zero_grad(set_to_none=True)
    runtime.backward(loss)
    if trainee.clip_norm is not None:
        nn.utils.clip_grad_norm_(trainee.module.parameters(), trainee.clip_norm)
    trainee.optimizer.step()
    if trainee.schedule is not None:
        trainee.schedule.step()
    trainee.module.loss_objective.update_state(runtime)
    return loss, losses
