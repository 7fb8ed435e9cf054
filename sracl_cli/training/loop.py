"""The epoch loop: train on every window, validate, keep the best model, stop early."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sracl_cli.artifacts import write_json
from sracl_cli.evaluation.stage import evaluate_samples
from sracl_cli.experiment import Experiment
from sracl_cli.models.protocol import Batch
from sracl_cli.training.checkpoint import save_state
from sracl_cli.training.early_stopping import EarlyStopping


@dataclass
class FitResult:
    best_epoch: int
    best_value: float
    history: list[dict] = field(default_factory=list)


def fit(exp: Experiment, model, device: torch.device, generator: torch.Generator, console: Console) -> FitResult:
    train_cfg, eval_cfg = exp.recipe.config.train, exp.recipe.config.eval
    train_dir = exp.run_dir / "train"
    optimizer = torch.optim.Adam(model.parameters(), lr=train_cfg.lr, weight_decay=train_cfg.weight_decay)
    stopper = EarlyStopping(train_cfg.patience)
    history: list[dict] = []
    inputs, targets = (torch.from_numpy(a) for a in (exp.split.train.inputs, exp.split.train.targets))
    for epoch in range(1, train_cfg.epochs + 1):
        stats = train_epoch(model, optimizer, inputs, targets, train_cfg.batch_size, generator, device, console, epoch)
        valid = validate(exp, model, device)
        improved = stopper.update(valid[eval_cfg.early_stop_metric], epoch)
        if improved:
            save_state(train_dir / "model.pt", model.state_dict())
        history.append({"epoch": epoch, **stats, "valid": valid, "best": improved})
        write_json(train_dir / "history.json", history)
        _print_epoch(console, epoch, stats, valid, eval_cfg.early_stop_metric, improved)
        if stopper.should_stop:
            console.print(f"early stop: no {eval_cfg.early_stop_metric} gain for {train_cfg.patience} epochs")
            break
    return FitResult(stopper.best_epoch, stopper.best, history)


def train_epoch(model, optimizer, inputs, targets, batch_size, generator, device, console, epoch) -> dict:
    model.train()
    order = torch.randperm(len(targets), generator=generator)
    n_batches = (len(order) + batch_size - 1) // batch_size
    total_loss, started = 0.0, time.perf_counter()
    with _progress(console) as progress:
        task = progress.add_task(f"epoch {epoch}", total=n_batches, loss=float("nan"), rate=0.0)
        for step, rows in enumerate(order.split(batch_size), start=1):
            batch = Batch(inputs[rows].to(device), targets[rows].to(device))
            loss = model.rec_loss(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(rows)
            rate = step * batch_size / (time.perf_counter() - started)
            progress.update(task, advance=1, loss=total_loss / min(step * batch_size, len(order)), rate=rate)
    seconds = time.perf_counter() - started
    return {"loss": total_loss / len(order), "seconds": seconds, "samples_per_s": len(order) / seconds}


def validate(exp: Experiment, model, device) -> dict[str, float]:
    return evaluate_samples(exp, model, exp.split.valid, device)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("loss {task.fields[loss]:.4f}"),
        TextColumn("{task.fields[rate]:,.0f} samples/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _print_epoch(console: Console, epoch: int, stats: dict, valid: dict, metric: str, improved: bool) -> None:
    star = " *" if improved else ""
    console.print(
        f"epoch {epoch:3d}  loss {stats['loss']:.4f}  valid {metric} {valid[metric]:.4f}  "
        f"{stats['samples_per_s']:,.0f} samples/s  {stats['seconds']:.1f} s{star}"
    )

