"""`sracl train --dry-run`: what training would take, measured on a few batches, with nothing written.

The run is built as `sracl train` builds it (data, split, backbone, objective with its embed/index artifacts,
optimizer; one process on `train.device` with `train.threads`), then timed: the objective's `start` (once per
seed), WARMUP_BATCHES optimizer steps left out (first-call allocations), TIMED_BATCHES steps measured, and
validation on the first `eval.batch_size` validation users after a small warm-up, scaled to the whole split.

An epoch is its batches plus one validation; the epoch cap is `train.epochs` epochs plus the test evaluation,
once per seed, after loading the data once. Early stopping (`train.patience`) can only make the real run
shorter; the process's own start (importing torch) is not counted.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from sracl_cli.data.split import Samples
from sracl_cli.devices import pick_device, set_threads
from sracl_cli.evaluation.evaluate import evaluate_samples
from sracl_cli.experiment import Experiment
from sracl_cli.training.loop import train_step
from sracl_cli.training.runtime import SingleProcess
from sracl_cli.training.seeding import seed_everything
from sracl_cli.training.stage import build_trainee, require_training, training_set

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

WARMUP_BATCHES = 2
TIMED_BATCHES = 8
VALID_WARMUP = 16  # validation users scored once before the timed batch


def estimate(recipe: Recipe, console: Console) -> dict[str, Any]:
    """The estimate of one recipe (a UsageError when its data or its objective's artifacts are missing)."""
    require_training(recipe)
    train = recipe.config.train
    threads = set_threads(train.threads)
    runtime = SingleProcess(pick_device(train.device), train.precision)
    started = time.perf_counter()
    exp = Experiment.from_recipe(recipe)
    load_s = time.perf_counter() - started
    generator = seed_everything(train.seed)
    trainee = build_trainee(exp, runtime)  # missing embed/index artifacts: exit 2 naming the stage to run
    setup_s = _timed(lambda: trainee.module.loss_objective.start(trainee.module.loss_backbone))
    train_set = training_set(exp)
    batches = train_set.batches(generator, train.batch_size)
    console.print(f"{recipe.name}: timing {min(len(batches), WARMUP_BATCHES + TIMED_BATCHES)} of "
                  f"{len(batches):,} batches and one validation batch", highlight=False)
    batch_s, warmup, timed = _batch_seconds(trainee, train_set, batches, runtime)
    valid_s = _evaluation_seconds(exp, exp.split.valid, trainee.model, runtime.device)
    test_s = valid_s * len(exp.split.test) / max(len(exp.split.valid), 1)
    epoch_s = batch_s * len(batches) + valid_s
    seeds = len(train.seeds or [train.seed])
    per_seed = setup_s + train.epochs * epoch_s + test_s
    return {
        "recipe": str(recipe.source), "name": recipe.name, "device": str(runtime.device), "threads": threads,
        "objective": recipe.config.objective.name, "backbone": recipe.config.model.backbone,
        "training_samples": len(train_set), "batch_size": train.batch_size, "batches_per_epoch": len(batches),
        "warmup_batches": warmup, "timed_batches": timed,
        "seconds_per_batch": batch_s, "setup_seconds": setup_s, "train_seconds_per_epoch": batch_s * len(batches),
        "valid_seconds_per_epoch": valid_s, "seconds_per_epoch": epoch_s, "test_seconds": test_s,
        "epochs": train.epochs, "seeds": seeds, "load_seconds": load_s, "seconds_per_seed": per_seed,
        "seconds_total": load_s + per_seed * seeds,
    }


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _batch_seconds(trainee, train_set, batches: list, runtime: SingleProcess) -> tuple[float, int, int]:
    """Mean seconds of one optimizer step over the timed batches (all batches when an epoch has too few for a
    warm-up); also how many batches warmed up and how many were timed."""
    trainee.module.train()
    units = trainee.module.loss_objective.sample_units
    warmup = WARMUP_BATCHES if len(batches) > WARMUP_BATCHES else 0
    timed = batches[warmup:warmup + TIMED_BATCHES]

    def step(rows) -> None:
        train_step(trainee, train_set.batch(rows, units, runtime.device), runtime)

    def steps(chosen: list) -> None:
        for rows in chosen:
            step(rows)

    steps(batches[:warmup])
    seconds = _timed(lambda: steps(timed))
    # batches differ in size only in the last one (or with train.batch_by = "targets"): scale by rows
    rows_timed = sum(len(rows) for rows in timed)
    rows_mean = sum(len(rows) for rows in batches) / len(batches)
    return seconds / rows_timed * rows_mean, warmup, len(timed)


def _evaluation_seconds(exp: Experiment, samples: Samples, model, device) -> float:
    """Seconds to evaluate all of `samples`, from one timed batch of `eval.batch_size` of them."""
    if len(samples) == 0:
        return 0.0
    settings = exp.recipe.config.eval
    model.eval()
    evaluate_samples(model, _first(samples, VALID_WARMUP), exp.data, settings, device)
    timed = _first(samples, settings.batch_size)
    seconds = _timed(lambda: evaluate_samples(model, timed, exp.data, settings, device))
    return seconds * len(samples) / len(timed)


def _first(samples: Samples, n: int) -> Samples:
    return Samples(samples.inputs[:n], samples.targets[:n], samples.users[:n], samples.history_end[:n])


def estimate_table(estimates: list[dict[str, Any]]) -> Table:
    """One row per recipe: an epoch's batches (× seconds each) plus its validation, the epoch cap × seeds, and
    the total (the JSON has every part)."""
    devices = ", ".join(sorted({f"{row['device']}, {row['threads']} thread(s)" for row in estimates}))
    table = Table(title="train --dry-run: estimated time at the epoch cap",
                  caption=f"{devices}; early stopping can only shorten a run" if devices else None)
    for header in ("recipe", "batches × s", "s/epoch", "epochs × seeds", "total"):
        table.add_column(header, justify="left" if header == "recipe" else "right", no_wrap=header == "recipe")
    for row in estimates:
        table.add_row(row["name"], f"{row['batches_per_epoch']:,} × {row['seconds_per_batch']:.3f}",
                      f"{row['seconds_per_epoch']:,.1f}", f"{row['epochs']} × {row['seeds']}",
                      duration(row["seconds_total"]))
    return table


def duration(seconds: float) -> str:
    """`42 s`, `12.5 min`, `3.2 h`."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
