"""The epoch loop: train on every window, validate, keep the best model, stop early, checkpoint every epoch."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sracl_cli.artifacts import write_json
from sracl_cli.evaluation.stage import evaluate_samples
from sracl_cli.experiment import Experiment
from sracl_cli.models.protocol import Batch
from sracl_cli.training.checkpoint import save_state
from sracl_cli.training.resume import TrainState, save_train_state


@dataclass
class Trainee:
    """What one training run updates: the backbone, the objective's own parameters and the optimizer."""

    model: torch.nn.Module
    objective: torch.nn.Module
    optimizer: torch.optim.Optimizer


def fit(exp: Experiment, trainee: Trainee, state: TrainState, device: torch.device, console: Console) -> TrainState:
    train_cfg, eval_cfg = exp.recipe.config.train, exp.recipe.config.eval
    train_dir = exp.train_dir
    inputs, targets = (torch.from_numpy(a) for a in (exp.split.train.inputs, exp.split.train.targets))
    for epoch in range(state.epoch + 1, train_cfg.epochs + 1):
        if state.stopper.should_stop:
            break
        stats = train_epoch(trainee, inputs, targets, train_cfg.batch_size, state.generator, device, console, epoch)
        valid = evaluate_samples(exp, trainee.model, exp.split.valid, device)
        improved = state.stopper.update(valid[eval_cfg.early_stop_metric], epoch)
        if improved:
            save_state(train_dir / "model.pt", trainee.model.state_dict())
        state.history.append({"epoch": epoch, **stats, "valid": valid, "best": improved})
        state.epoch = epoch
        write_json(train_dir / "history.json", state.history)
        save_train_state(train_dir / "checkpoint.pt", trainee, state)
        _print_epoch(console, epoch, stats, valid, eval_cfg.early_stop_metric, improved)
    if state.stopper.should_stop:
        console.print(f"early stop: no {eval_cfg.early_stop_metric} gain for {train_cfg.patience} epochs")
    return state


def train_epoch(trainee: Trainee, inputs, targets, batch_size, generator, device, console, epoch) -> dict:
    trainee.model.train()
    trainee.objective.train()
    order = torch.randperm(len(targets), generator=generator)
    totals: dict[str, float] = {}
    started = time.perf_counter()
    with _progress(console) as progress:
        task = progress.add_task(f"epoch {epoch}", total=(len(order) + batch_size - 1) // batch_size, losses="", rate=0.0)
        for rows in order.split(batch_size):
            loss, losses = train_step(trainee, batch_rows(trainee.objective, inputs, targets, rows, device))
            for name, value in {"loss": loss, **losses}.items():
                totals[name] = totals.get(name, 0.0) + value.item() * len(rows)
            done = progress.tasks[0].completed + 1
            seen = min(done * batch_size, len(order))
            shown = "  ".join(f"{name} {total / seen:.4f}" for name, total in totals.items())
            progress.update(task, advance=1, losses=shown, rate=seen / (time.perf_counter() - started))
    seconds = time.perf_counter() - started
    means = {name: total / len(order) for name, total in totals.items()}
    return {"loss": means.pop("loss"), "losses": means, "seconds": seconds, "samples_per_s": len(order) / seconds}


def train_step(trainee: Trainee, batch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One optimizer step on the objective's weighted loss; returns the total and its components."""
    losses = trainee.objective.losses(trainee.model, batch)
    loss = sum(trainee.objective.weights[name] * value for name, value in losses.items())
    trainee.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    trainee.optimizer.step()
    return loss, losses


def batch_rows(objective, inputs, targets, rows, device) -> Batch:
    """The training batch of sample indices `rows`, with each sample's user unit when the objective uses units."""
    units = objective.sample_units[rows].to(device) if objective.sample_units is not None else None
    return Batch(inputs[rows].to(device), targets[rows].to(device), units, rows.to(device))


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[losses]}"),
        TextColumn("{task.fields[rate]:,.0f} samples/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _print_epoch(console: Console, epoch: int, stats: dict, valid: dict, metric: str, improved: bool) -> None:
    parts = "  ".join(f"{name} {value:.4f}" for name, value in stats["losses"].items())
    star = " *" if improved else ""
    console.print(
        f"epoch {epoch:3d}  loss {stats['loss']:.4f} ({parts})  valid {metric} {valid[metric]:.4f}  "
        f"{stats['samples_per_s']:,.0f} samples/s  {stats['seconds']:.1f} s{star}"
    )
