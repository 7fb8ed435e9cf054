"""Training speed of every objective on every backbone, the data pipeline alone, and the official shape beside
ours, measured side by side in one process. Run by hand (results in bench/results/train_epoch.json):

    SRACL_DATA=/work/shared/data .venv/bin/python bench/train_epoch.py [--batches 30] [--quick]

Default data: recipes/repro/scientific/sracl_bank.toml (its embed/ + index/ are made by the real stages when
missing). `--quick`: the bundled sample cut to a 4-core (423 items, 296 users), batch 64, 3 timed batches.
Epoch seconds are timed batches (after 2 warm-up batches) extrapolated to the epoch's batch count; the data
pipeline and the official-shape DataLoader are timed over a whole epoch.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import torch

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, make_table, save_results, semantic_recipe
from official_shape import OfficialShapeDataset, official_loader, official_step
from sracl_cli.experiment import Experiment
from sracl_cli.objectives.augmentations import random_augment
from sracl_cli.objectives.semantic_inputs import load_semantic_inputs
from sracl_cli.objectives.substitution import substitute_neighbors
from sracl_cli.recipe import load_recipe
from sracl_cli.training.loop import batch_rows, train_step
from sracl_cli.training.runtime import SingleProcess
from sracl_cli.training.seeding import seed_everything
from sracl_cli.training.stage import build_objective, build_trainee

DEFAULT_RECIPE = REPO / "recipes" / "repro" / "scientific" / "sracl_bank.toml"
BACKBONES = ["sasrec", "gru4rec", "bert4rec"]
OBJECTIVES = {
    "none": ["objective.name=none"],
    "cl4srec": ["objective.name=cl4srec"],
    "duorec": ["objective.name=duorec"],
    "sracl live": ["objective.name=sracl", "objective.neighbor_encoding=live", 'objective.infonce="symmetric"'],
    "sracl bank": ["objective.name=sracl", "objective.neighbor_encoding=bank"],
}
WARMUP = 2
CPU = SingleProcess(torch.device("cpu"))


def epoch_batches(exp: Experiment, seed: int = 0) -> list[torch.Tensor]:
    generator = seed_everything(seed)
    return list(torch.randperm(len(exp.split.train), generator=generator).split(exp.recipe.config.train.batch_size))


def time_steps(exp: Experiment, batches: int) -> dict:
    trainee = build_trainee(exp, CPU)
    objective = trainee.module.loss_objective
    started = time.perf_counter()
    objective.start(trainee.model)
    start_s = time.perf_counter() - started
    inputs, targets = (torch.from_numpy(a) for a in (exp.split.train.inputs, exp.split.train.targets))
    trainee.module.train()
    for step, rows in enumerate(epoch_batches(exp)[: WARMUP + batches]):
        if step == WARMUP:
            started = time.perf_counter()
        train_step(trainee, batch_rows(objective.sample_units, inputs, targets, rows, CPU.device), CPU)
    return {"seconds_per_batch": (time.perf_counter() - started) / batches, "start_s": start_s}


def pipeline_epoch(exp: Experiment, name: str) -> float:
    """Seconds to build one epoch of batches and their views / neighbour batches, without any model work."""
    objective = build_objective(exp, exp.build_model())
    inputs, targets = (torch.from_numpy(a) for a in (exp.split.train.inputs, exp.split.train.targets))
    cfg = exp.recipe.plugins["objective"]
    started = time.perf_counter()
    for rows in epoch_batches(exp):
        batch = batch_rows(objective.sample_units, inputs, targets, rows, CPU.device)
        if name == "cl4srec":
            [random_augment(batch.inputs, cfg.crop, cfg.mask, cfg.reorder) for _ in range(2)]
        elif name == "duorec":
            objective.inputs[objective.same_target_rows(batch.rows)]
        elif name.startswith("sracl"):
            neighbors = objective.user_neighbors[batch.units]
            (objective.bank[neighbors] if objective.uses_bank else objective.unit_inputs[neighbors.reshape(-1)])
            [substitute_neighbors(batch.inputs, objective.item_neighbors, cfg.substitute_p) for _ in range(2)]
    return time.perf_counter() - started


def official_pipeline_epoch(dataset: OfficialShapeDataset, batch_size: int) -> float:
    started = time.perf_counter()
    for _ in official_loader(dataset, batch_size):
        pass
    return time.perf_counter() - started


def official_steps(exp: Experiment, dataset: OfficialShapeDataset, batches: int) -> float:
    seed_everything(0)
    trainee = build_trainee(exp, CPU)
    trainee.module.train()
    loader = iter(official_loader(dataset, exp.recipe.config.train.batch_size))
    for step in range(WARMUP + batches):
        if step == WARMUP:
            started = time.perf_counter()
        official_step(trainee.model, trainee.objective, trainee.optimizer, next(loader))
    return (time.perf_counter() - started) / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", type=Path, default=DEFAULT_RECIPE)
    parser.add_argument("--batches", type=int, default=30, help="timed batches per objective x backbone")
    parser.add_argument("--backbones", nargs="+", default=BACKBONES,
                        help="sasrec is always timed (the official shape's)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    common_arguments(parser)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = QUICK_OVERRIDES + ["train.batch_size=64"] if args.quick else []
    with tempfile.TemporaryDirectory() as scratch:
        recipe = semantic_recipe(QUICKSTART if args.quick else args.recipe, overrides,
                                 Path(scratch) if args.quick else None)
        run(args, recipe, overrides + _path_overrides(recipe), 3 if args.quick else args.batches)


def run(args, base_recipe, overrides: list[str], batches: int) -> None:
    base = Experiment.from_recipe(base_recipe)
    n_batches = math.ceil(len(base.split.train) / base_recipe.config.train.batch_size)

    def experiment(*switches: str) -> Experiment:
        return Experiment(load_recipe(base_recipe.source, overrides + list(switches)), base.data, base.split)

    steps = {}
    for backbone in dict.fromkeys(["sasrec", *args.backbones]):
        for name, switches in OBJECTIVES.items():
            result = time_steps(experiment(f"model.backbone={backbone}", *switches), batches)
            steps[f"{backbone} / {name}"] = result
    for key, result in steps.items():
        result["epoch_s"] = result["seconds_per_batch"] * n_batches
        result["samples_per_s"] = base_recipe.config.train.batch_size / result["seconds_per_batch"]
        result["x_none"] = result["epoch_s"] / steps[key.split(" / ")[0] + " / none"]["epoch_s"]

    pipeline = {name: pipeline_epoch(experiment("model.backbone=sasrec", *switches), name)
                for name, switches in OBJECTIVES.items()}
    live = experiment("model.backbone=sasrec", *OBJECTIVES["sracl live"])
    semantic = load_semantic_inputs(live.recipe, live.data.n_items)
    dataset = OfficialShapeDataset(live, semantic, live.recipe.plugins["objective"].substitute_p)
    official = {"pipeline_epoch_s": official_pipeline_epoch(dataset, base_recipe.config.train.batch_size),
                "seconds_per_batch": official_steps(live, dataset, batches)}
    official["epoch_s"] = official["seconds_per_batch"] * n_batches
    report(args, base, n_batches, batches, steps, pipeline, official)


def _path_overrides(recipe) -> list[str]:
    return [f'output.dir="{recipe.run_dir}"', f'output.semantic_dir="{recipe.semantic_dir}"']


def report(args, base: Experiment, n_batches: int, batches: int, steps: dict, pipeline: dict, official: dict) -> None:
    sasrec = {name.split(" / ")[1]: r for name, r in steps.items() if name.startswith("sasrec / ")}
    ratios = {
        "pipeline: official / sracl live": official["pipeline_epoch_s"] / pipeline["sracl live"],
        "pipeline: official / sracl bank": official["pipeline_epoch_s"] / pipeline["sracl bank"],
        "epoch: official / sracl live": official["epoch_s"] / sasrec["sracl live"]["epoch_s"],
        "epoch: official / sracl bank": official["epoch_s"] / sasrec["sracl bank"]["epoch_s"],
        "epoch: sracl bank / none": sasrec["sracl bank"]["x_none"],
    }
    rows = [[name, f"{r['samples_per_s']:,.0f}", f"{r['epoch_s']:.1f}", f"{r['x_none']:.2f}",
             f"{pipeline[name.split(' / ')[1]]:.2f}" if name.startswith("sasrec / ") else ""]
            for name, r in steps.items()]
    official_rate = base.recipe.config.train.batch_size / official["seconds_per_batch"]
    rows.append(["official shape (sasrec, live)", f"{official_rate:,.0f}",
                 f"{official['epoch_s']:.1f}", f"{official['epoch_s'] / sasrec['none']['epoch_s']:.2f}",
                 f"{official['pipeline_epoch_s']:.2f}"])
    title = (f"{base.recipe.name}: {len(base.split.train):,} samples, batch {base.recipe.config.train.batch_size}, "
             f"{batches} timed batches extrapolated to {n_batches}")
    table = make_table(title, ["backbone / objective", "samples/s", "s / epoch", "x none", "pipeline s / epoch"], rows)
    table.caption = "  ".join(f"{k}: {v:.1f}x" for k, v in ratios.items())
    save_results("train_epoch", args, table, {
        "recipe": str(base.recipe.source), "samples": len(base.split.train), "batches_timed": batches,
        "batches_per_epoch": n_batches, "steps": steps, "pipeline_epoch_s": pipeline, "official_shape": official,
        "ratios": ratios})


if __name__ == "__main__":
    main()
