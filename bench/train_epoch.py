"""Training speed of every objective on every backbone in both sample modes (`train.samples`: prefix, sequence),
the data pipeline alone, and the official shape beside ours, measured side by side in one process. Run by hand
(results in bench/results/train_epoch.json):

    SRACL_DATA=/work/shared/data .venv/bin/python bench/train_epoch.py [--batches 30] [--quick]
        [--recipe recipes/repro/beauty/sracl_bank.toml --proxy-semantic] [--threads 2]

Default data: recipes/repro/scientific/sracl_bank.toml (its embed/ + index/ are made by the real stages when
missing). `--proxy-semantic`: random neighbour tables and unit embeddings of the right shapes instead of the
semantic stage (a step's cost does not depend on which neighbours it reads), for datasets whose semantic stage
has not been run. `--quick`: the bundled sample cut to a 4-core (423 items, 296 users), batch 64, 3 timed batches.
Epoch seconds are timed batches (after 2 warm-up batches) extrapolated to the epoch's batch count (sequence
batches: `train.batch_by = "targets"`, about as many targets as a prefix batch); `x prefix none` divides by
prefix-mode `none` on the same backbone. The data pipeline and the official-shape DataLoader are timed over a
whole epoch.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, make_table, save_results, semantic_recipe
from official_shape import OfficialShapeDataset, official_loader, official_step
from sracl_cli.data.units import user_units
from sracl_cli.experiment import Experiment
from sracl_cli.objectives.augmentations import random_augment
from sracl_cli.objectives.semantic_inputs import SemanticInputs, load_semantic_inputs
from sracl_cli.objectives.substitution import substitute_neighbors
from sracl_cli.recipe import load_recipe
from sracl_cli.training import stage as train_stage
from sracl_cli.training.loop import train_step
from sracl_cli.training.runtime import SingleProcess
from sracl_cli.training.seeding import seed_everything
from sracl_cli.training.stage import build_objective, build_trainee, training_set

DEFAULT_RECIPE = REPO / "recipes" / "repro" / "scientific" / "sracl_bank.toml"
BACKBONES = ["sasrec", "gru4rec", "bert4rec"]
OBJECTIVES = {
    "none": ["objective.name=none"],
    "cl4srec": ["objective.name=cl4srec"],
    "duorec": ["objective.name=duorec"],
    "sracl live": ["objective.name=sracl", "objective.neighbor_encoding=live", 'objective.infonce="symmetric"'],
    "sracl bank": ["objective.name=sracl", "objective.neighbor_encoding=bank"],
    "sracl bank, rec-pass anchor": ["objective.name=sracl", "objective.neighbor_encoding=bank",
                                    "objective.anchor=rec_pass"],
    "none, bf16": ["objective.name=none", "train.precision=bfloat16"],
    "sracl bank, rec-pass anchor, bf16": ["objective.name=sracl", "objective.neighbor_encoding=bank",
                                          "objective.anchor=rec_pass", "train.precision=bfloat16"],
}
SAMPLES = {"prefix": ["train.samples=prefix"],
           "sequence": ["train.samples=sequence", "train.batch_by=targets", "model.positions=from_first"]}
PREFIX_ONLY_BACKBONES = {"bert4rec"}
WARMUP = 2
CPU = SingleProcess(torch.device("cpu"))


def epoch_batches(exp: Experiment, seed: int = 0) -> list[torch.Tensor]:
    return training_set(exp).batches(seed_everything(seed), exp.recipe.config.train.batch_size)


def time_steps(exp: Experiment, batches: int) -> dict:
    runtime = SingleProcess(torch.device("cpu"), exp.recipe.config.train.precision)
    trainee = build_trainee(exp, runtime)
    objective = trainee.module.loss_objective
    started = time.perf_counter()
    objective.start(trainee.model)
    start_s = time.perf_counter() - started
    rows_of_epoch, data = epoch_batches(exp), training_set(exp)
    trainee.module.train()
    for step, rows in enumerate(rows_of_epoch[: WARMUP + batches]):
        if step == WARMUP:
            started = time.perf_counter()
        train_step(trainee, data.batch(rows, objective.sample_units, runtime.device), runtime)
    return {"seconds_per_batch": (time.perf_counter() - started) / batches, "start_s": start_s,
            "batches_per_epoch": len(rows_of_epoch)}


def pipeline_epoch(exp: Experiment, name: str) -> float:
    """Seconds to build one epoch of prefix batches and their views / neighbour batches, without model work."""
    objective = build_objective(exp, exp.build_model())
    data = training_set(exp)
    cfg = exp.recipe.plugins["objective"]
    started = time.perf_counter()
    for rows in epoch_batches(exp):
        batch = data.batch(rows, objective.sample_units, CPU.device)
        if name == "cl4srec":
            [random_augment(batch.inputs, cfg.crop, cfg.mask, cfg.reorder) for _ in range(2)]
        elif name == "duorec":
            objective.inputs[objective.same_target_rows(batch.targets)]
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
    parser.add_argument("--samples", nargs="+", default=list(SAMPLES), choices=list(SAMPLES))
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES), choices=list(OBJECTIVES))
    parser.add_argument("--proxy-semantic", action="store_true",
                        help="random neighbour tables of the right shapes instead of the semantic stage")
    parser.add_argument("--no-official", action="store_true", help="skip the pipeline and official-shape rows")
    common_arguments(parser)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = QUICK_OVERRIDES + ["train.batch_size=64"] if args.quick else []
    with tempfile.TemporaryDirectory() as scratch:
        if args.proxy_semantic:
            recipe = load_recipe(args.recipe, overrides)
            use_proxy_semantic(recipe)
        else:
            recipe = semantic_recipe(QUICKSTART if args.quick else args.recipe, overrides,
                                     Path(scratch) if args.quick else None)
        run(args, recipe, overrides + _path_overrides(recipe), 3 if args.quick else args.batches)


def use_proxy_semantic(recipe) -> None:
    """Make the training stage read random neighbour tables of the recipe's shapes (timing only)."""
    exp = Experiment.from_recipe(recipe)
    units = user_units(exp.data, recipe.config.prompts.user_unit, recipe.config.data.max_len)
    rng = np.random.default_rng(0)
    k = recipe.config.index.k
    proxy = SemanticInputs(
        item_neighbors=rng.integers(1, exp.data.n_items + 1, size=(exp.data.n_items + 1, k)),
        user_neighbors=rng.integers(0, len(units), size=(len(units), k)),
        unit_embeddings=rng.normal(size=(len(units), 384)).astype(np.float32),
        units=units,
    )
    train_stage.load_semantic_inputs = lambda recipe, n_items: proxy


def run(args, base_recipe, overrides: list[str], batches: int) -> None:
    base = Experiment.from_recipe(base_recipe)

    def experiment(*switches: str) -> Experiment:
        return Experiment(load_recipe(base_recipe.source, overrides + list(switches)), base.data, base.split)

    steps = {}
    for backbone in dict.fromkeys(["sasrec", *args.backbones]):
        for mode in args.samples:
            if mode == "sequence" and backbone in PREFIX_ONLY_BACKBONES:
                continue
            switches = [s for s in SAMPLES[mode] if backbone == "sasrec" or not s.startswith("model.positions")]
            for name in args.objectives:
                if mode == "prefix" and "rec-pass" in name or backbone != "sasrec" and "bf16" in name:
                    continue  # the rec-pass anchor exists in sequence mode only
                exp = experiment(f"model.backbone={backbone}", *switches, *OBJECTIVES[name])
                steps[f"{backbone} / {mode} / {name}"] = time_steps(exp, batches)
    for key, result in steps.items():
        backbone = key.split(" / ")[0]
        result["epoch_s"] = result["seconds_per_batch"] * result["batches_per_epoch"]
        reference = steps.get(f"{backbone} / prefix / none")
        result["x_prefix_none"] = result["epoch_s"] / reference["epoch_s"] if reference else None
    if args.no_official:
        report(args, base, batches, steps, None, None)
        return
    pipeline = {name: pipeline_epoch(experiment("model.backbone=sasrec", *SAMPLES["prefix"], *OBJECTIVES[name]), name)
                for name in args.objectives if "rec-pass" not in name and "bf16" not in name}
    live = experiment("model.backbone=sasrec", *SAMPLES["prefix"], *OBJECTIVES["sracl live"])
    semantic = load_semantic_inputs(live.recipe, live.data.n_items)
    dataset = OfficialShapeDataset(live, semantic, live.recipe.plugins["objective"].substitute_p)
    n_batches = training_set(live).n_batches(base_recipe.config.train.batch_size)
    official = {"pipeline_epoch_s": official_pipeline_epoch(dataset, base_recipe.config.train.batch_size),
                "seconds_per_batch": official_steps(live, dataset, batches)}
    official["epoch_s"] = official["seconds_per_batch"] * n_batches
    report(args, base, batches, steps, pipeline, official)


def _path_overrides(recipe) -> list[str]:
    return [f'output.dir="{recipe.run_dir}"', f'output.semantic_dir="{recipe.semantic_dir}"']


def report(args, base: Experiment, batches: int, steps: dict, pipeline: dict | None,
           official: dict | None) -> None:
    def epoch(key: str) -> float | None:
        return steps[key]["epoch_s"] if key in steps else None

    ratios = {}
    for numerator, denominator in (("sasrec / sequence / sracl bank", "sasrec / prefix / none"),
                                   ("sasrec / sequence / none", "sasrec / prefix / none"),
                                   ("sasrec / sequence / sracl bank, rec-pass anchor", "sasrec / prefix / none"),
                                   ("sasrec / prefix / sracl bank", "sasrec / prefix / none"),
                                   ("sasrec / sequence / sracl bank", "sasrec / prefix / sracl bank"),
                                   ("sasrec / sequence / none, bf16", "sasrec / sequence / none"),
                                   ("sasrec / sequence / sracl bank, rec-pass anchor, bf16",
                                    "sasrec / sequence / sracl bank, rec-pass anchor")):
        top, bottom = epoch(numerator), epoch(denominator)
        if top is not None and bottom is not None:
            ratios[f"epoch: {numerator} / {denominator}"] = top / bottom
    if official is not None and pipeline is not None and "sasrec / prefix / sracl live" in steps:
        ratios["pipeline: official / sracl live"] = official["pipeline_epoch_s"] / pipeline["sracl live"]
        ratios["epoch: official / sracl live"] = official["epoch_s"] / steps["sasrec / prefix / sracl live"]["epoch_s"]
    rows = []
    for name, r in steps.items():
        _, mode, objective = name.split(" / ")
        shown_pipeline = pipeline.get(objective) if pipeline and name.startswith("sasrec / prefix") else None
        rows.append([name, str(r["batches_per_epoch"]), f"{r['epoch_s']:.1f}",
                     f"{r['x_prefix_none']:.2f}" if r["x_prefix_none"] is not None else "",
                     f"{shown_pipeline:.2f}" if shown_pipeline is not None else ""])
    if official is not None and "sasrec / prefix / none" in steps:
        rows.append(["official shape (sasrec, prefix, live)", "", f"{official['epoch_s']:.1f}",
                     f"{official['epoch_s'] / steps['sasrec / prefix / none']['epoch_s']:.2f}",
                     f"{official['pipeline_epoch_s']:.2f}"])
    title = f"{base.recipe.name}: {batches} timed batches extrapolated to an epoch"
    table_note = (f"{len(base.split.train):,} prefix samples, batch {base.recipe.config.train.batch_size} (sequence: "
                  f"about as many targets), {torch.get_num_threads()} thread(s)")
    columns = ["backbone / samples / objective", "batches / epoch", "s / epoch", "x prefix none", "pipeline s / epoch"]
    table = make_table(title, columns, rows)
    table.caption = "  ".join([table_note, *(f"{k}: {v:.2f}x" for k, v in ratios.items())])
    save_results("train_epoch", args, table, {
        "recipe": str(base.recipe.source), "samples": len(base.split.train), "batches_timed": batches,
        "threads": torch.get_num_threads(), "proxy_semantic": args.proxy_semantic, "steps": steps,
        "pipeline_epoch_s": pipeline, "official_shape": official, "ratios": ratios})


if __name__ == "__main__":
    main()
