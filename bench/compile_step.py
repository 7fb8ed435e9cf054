"""torch.compile on the training step, side by side with eager PyTorch in one process (issue 11's "CPU speed
beyond the structure"): the same batches, seed and recipe, timed after warm-up batches that include the compile.
The variants take turns batch by batch (the machine's load falls on all alike). Run by hand (results in
bench/results/compile_step.json):

    SRACL_DATA=/work/shared/data .venv/bin/python bench/compile_step.py [--batches 30] [--threads 1]
        [--recipe recipes/repro/beauty/none_sequence.toml] [--set KEY=VALUE]

Variants, in float32 and under bfloat16 autocast (`train.precision`): eager; `compiled encoder` (the backbone's
all-positions pass, `dynamic=True` since sequence batches vary in rows); `compiled loss` (the whole loss forward:
encoder, logits over all items and cross-entropy). Compile time is reported apart (`warmup_s`). `--quick`: the
bundled sample, 3 timed batches.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from train_epoch import epoch_batches

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, make_table, save_results
from sracl_cli.experiment import Experiment
from sracl_cli.recipe import load_recipe
from sracl_cli.training.batches import TrainingSet
from sracl_cli.training.loop import Trainee, train_step
from sracl_cli.training.runtime import SingleProcess
from sracl_cli.training.seeding import seed_everything
from sracl_cli.training.stage import build_trainee, training_set

DEFAULT_RECIPE = REPO / "recipes" / "repro" / "beauty" / "none_sequence.toml"
WARMUP = 3  # the first batches trace and compile; a few more catch recompiles for new batch shapes


def compile_encoder(trainee: Trainee) -> None:
    backbone = trainee.module.backbone
    backbone.sequence_output = torch.compile(backbone.sequence_output, dynamic=True)  # type: ignore[method-assign]


def compile_loss(trainee: Trainee) -> None:
    trainee.module.forward = torch.compile(trainee.module.forward, dynamic=True)  # type: ignore[method-assign]


# name: (train.precision, what is compiled)
VARIANTS = {"float32, eager": ("float32", None), "float32, compiled encoder": ("float32", compile_encoder),
            "float32, compiled loss": ("float32", compile_loss), "bfloat16, eager": ("bfloat16", None),
            "bfloat16, compiled loss": ("bfloat16", compile_loss)}


def prepared(exp: Experiment, data: TrainingSet, warmup: list[torch.Tensor], precision: str,
             prepare) -> tuple[Trainee, SingleProcess, float]:
    """A fresh trainee of the recipe (seed 0), compiled as `prepare` says and warmed up; the warm-up seconds."""
    seed_everything(0)
    runtime = SingleProcess(torch.device("cpu"), precision)  # type: ignore[arg-type]
    trainee = build_trainee(exp, runtime)
    if prepare is not None:
        prepare(trainee)
    trainee.module.train()
    trainee.module.loss_objective.start(trainee.model)
    started = time.perf_counter()
    for rows in warmup:
        step(data, trainee, runtime, rows)
    return trainee, runtime, time.perf_counter() - started


def step(data: TrainingSet, trainee: Trainee, runtime: SingleProcess, rows: torch.Tensor) -> float:
    started = time.perf_counter()
    train_step(trainee, data.batch(rows, trainee.module.loss_objective.sample_units, runtime.device), runtime)
    return time.perf_counter() - started


def time_variants(exp: Experiment, batches: int) -> dict[str, dict]:
    """Every variant steps through the same batches in turn, one batch each per round, so that the load of a
    shared machine falls on all of them alike."""
    data, rows_of_epoch = training_set(exp), epoch_batches(exp)
    warmup, timed = rows_of_epoch[:WARMUP], rows_of_epoch[WARMUP: WARMUP + batches]
    ready = {name: prepared(exp, data, warmup, precision, prepare) for name, (precision, prepare) in VARIANTS.items()}
    seconds = dict.fromkeys(VARIANTS, 0.0)
    for rows in timed:
        for name, (trainee, runtime, _) in ready.items():
            seconds[name] += step(data, trainee, runtime, rows)
    return {name: {"seconds_per_batch": seconds[name] / batches, "warmup_s": ready[name][2],
                   "batches_per_epoch": len(rows_of_epoch),
                   "epoch_s": seconds[name] / batches * len(rows_of_epoch)} for name in VARIANTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=DEFAULT_RECIPE)
    parser.add_argument("--batches", type=int, default=30, help="timed batches per variant")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="recipe override, as sracl's")
    common_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    quick = QUICK_OVERRIDES + ["train.batch_size=64", "objective.name=none", "train.samples=sequence",
                               "model.positions=from_first"]
    overrides = args.overrides + (quick if args.quick else [])
    recipe = load_recipe(QUICKSTART if args.quick else args.recipe, overrides)
    exp = Experiment.from_recipe(recipe)
    batches = 3 if args.quick else args.batches
    results = time_variants(exp, batches)
    for result in results.values():
        result["x_eager"] = result["seconds_per_batch"] / results["float32, eager"]["seconds_per_batch"]
    rows = [[name, f"{r['seconds_per_batch'] * 1000:.1f}", f"{r['epoch_s']:.1f}", f"{r['x_eager']:.2f}",
             f"{r['warmup_s']:.1f}"] for name, r in results.items()]
    title = (f"torch.compile vs eager, {recipe.name} ({recipe.config.train.samples} samples), {batches} timed "
             f"batches, {args.threads} thread(s)")
    table = make_table(title, ["variant", "ms / batch", "epoch s", "x float32 eager", "warm-up s (compile)"], rows)
    save_results("compile_step", args, table, {"recipe": str(recipe.source), "overrides": overrides,
                                               "variants": results})


if __name__ == "__main__":
    main()
