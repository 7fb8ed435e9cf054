"""A recipe's runs, above training and evaluation: one run, or one per seed of `train.seeds`.

With `train.seeds`: one run per seed under `seeds/seed-<n>/`, then `summary.json` with mean ± std per metric.
Each seed run is `train_experiment` on the recipe with `train.seed = n`, so it produces exactly what a single
run with that seed would; only its train/ and eval/ folders move. The data is loaded once and shared.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
from rich.console import Console

from sracl_cli import layout
from sracl_cli.artifacts import write_json
from sracl_cli.checkpoint import load_state
from sracl_cli.devices import pick_device
from sracl_cli.errors import UsageError
from sracl_cli.evaluation.report import summary_table
from sracl_cli.evaluation.stage import evaluate_checkpoint, run_eval
from sracl_cli.experiment import Experiment
from sracl_cli.manifests import recipe_sections, recorded_sections, write_resolved_recipe
from sracl_cli.recipe import Recipe
from sracl_cli.stages import EVAL, TRAIN
from sracl_cli.training.stage import print_data_summary, require_training, train_experiment


def train_recipe(recipe: Recipe, console: Console, resume: bool = False) -> dict[str, float]:
    """`sracl train`: the recipe's run, or every seed of `train.seeds`; returns the test metrics (means)."""
    require_training(recipe)
    exp = Experiment.from_recipe(recipe)  # bad data fails here, before anything is written
    print_data_summary(exp, console)
    if recipe.config.train.seeds:
        return train_seeds(exp, console, resume)
    return train_experiment(exp, console, resume)


def evaluate_recipe(recipe: Recipe, console: Console) -> dict[str, float]:
    """`sracl eval`: re-evaluate the run's checkpoint, or every seed's (then rewrite summary.json)."""
    if recipe.config.eval.weights_from is not None:
        from sracl_cli.preflight import check_weights

        check_weights(recipe)
    exp = Experiment.from_recipe(recipe)
    device = pick_device(recipe.config.train.device)
    if recipe.config.train.seeds:
        return evaluate_seeds(exp, device, console)
    return run_eval(exp, device, console)


def train_seeds(exp: Experiment, console: Console, resume: bool = False) -> dict[str, float]:
    """Train every seed of `train.seeds` (skipping finished ones on resume); returns the mean of each metric."""
    runs = seed_runs(exp)
    if resume:
        _require_something_to_resume(exp.run_dir, runs.values())
    write_resolved_recipe(exp.recipe)
    return _over_seeds(exp, runs, console, lambda run: _train_seed(run, console, resume))


def evaluate_seeds(exp: Experiment, device, console: Console) -> dict[str, float]:
    """`sracl eval` of a seeds recipe: re-evaluate every seed's checkpoint, then rewrite summary.json."""
    runs = seed_runs(exp)
    states = {seed: load_state(run.weights_file) for seed, run in runs.items()}  # all present, or exit 2
    write_resolved_recipe(exp.recipe)

    def evaluate(run: Experiment) -> dict[str, float]:
        return evaluate_checkpoint(run, device, console, states[run.recipe.config.train.seed])

    return _over_seeds(exp, runs, console, evaluate)


def seed_runs(exp: Experiment) -> dict[int, Experiment]:
    seeds = exp.recipe.config.train.seeds
    assert seeds is not None, "a seeds recipe (train.seeds set)"
    return {seed: seed_experiment(exp, seed) for seed in _distinct(seeds)}


def _over_seeds(exp: Experiment, runs: dict[int, Experiment], console: Console, per_seed) -> dict[str, float]:
    results = {}
    for position, (seed, run) in enumerate(runs.items(), start=1):
        console.rule(f"seed {seed} ({position}/{len(runs)})")
        results[seed] = per_seed(run)
    summary = summarize(results)
    write_json(exp.run_dir / layout.SUMMARY, {"name": exp.recipe.name, **summary})
    title = f"{exp.recipe.name}: test, mean ± std over {len(runs)} seeds"
    console.print(summary_table(summary["metrics"], exp.recipe.config.eval.ks, title))
    return {name: stats["mean"] for name, stats in summary["metrics"].items()}


def seed_experiment(exp: Experiment, seed: int) -> Experiment:
    """`exp` as a single run with `train.seed = seed`, writing under `seeds/seed-<seed>/` of the run directory."""
    train = exp.recipe.config.train.model_copy(update={"seed": seed, "seeds": None})
    recipe = dataclasses.replace(exp.recipe, config=exp.recipe.config.model_copy(update={"train": train}))
    return Experiment(recipe, exp.data, exp.split, out_dir=layout.seed_dir(exp.run_dir, seed))


def summarize(results: dict[int, dict[str, float]]) -> dict:
    """Per metric: mean, sample std (ddof=1; null for one seed) and the per-seed values in `seeds` order."""
    seeds = list(results)
    metrics = {}
    for name in results[seeds[0]]:
        values = [results[seed][name] for seed in seeds]
        std = float(np.std(values, ddof=1)) if len(values) > 1 else None
        metrics[name] = {"mean": float(np.mean(values)), "std": std, "values": values, "seeds": seeds}
    return {"seeds": seeds, "metrics": metrics}


def has_checkpoint(recipe: Recipe) -> bool:
    """Whether `--resume` has something to continue: the run's checkpoint, or any seed's."""
    seeds = recipe.config.train.seeds
    if not seeds:
        return (TRAIN.folder(recipe) / layout.CHECKPOINT).exists()
    folders = [layout.seed_dir(recipe.run_dir, seed) for seed in seeds]
    return any((TRAIN.folder(recipe, folder) / layout.CHECKPOINT).exists()
               or (EVAL.folder(recipe, folder) / layout.METRICS).exists() for folder in folders)


def _train_seed(run: Experiment, console: Console, resume: bool) -> dict[str, float]:
    metrics_file = run.eval_dir / layout.METRICS
    if resume and metrics_file.exists() and _finished_with(run):
        console.print(f"finished earlier, skipped ({metrics_file})")
        return json.loads(metrics_file.read_text(encoding="utf-8"))["metrics"]
    return train_experiment(run, console, resume=resume and _has_checkpoint(run))


def _finished_with(run: Experiment) -> bool:
    """The seed's train and eval manifests record this recipe's sections (it was not made by an edited recipe)."""
    return all(recorded_sections(stage.folder(run.recipe, run.out_dir)) == recipe_sections(run.recipe, stage.name)
               for stage in (TRAIN, EVAL))


def _has_checkpoint(run: Experiment) -> bool:
    return (run.train_dir / layout.CHECKPOINT).exists()


def _require_something_to_resume(run_dir: Path, runs) -> None:
    if not any(_has_checkpoint(run) or (run.eval_dir / layout.METRICS).exists() for run in runs):
        raise UsageError(
            f"{run_dir / layout.SEEDS_DIR}: nothing to resume (no seed has a checkpoint); run without --resume"
        )


def _distinct(seeds: list[int]) -> list[int]:
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise UsageError(f"train.seeds: each seed once, got {', '.join(map(str, repeated))} more than once")
    return seeds
