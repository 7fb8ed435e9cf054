"""`sracl train`: fit the backbone on the training windows, keep the best validation model, test it."""

from __future__ import annotations

import torch
from rich.console import Console

from sracl_cli.artifacts import write_manifest
from sracl_cli.evaluation.stage import evaluate_checkpoint
from sracl_cli.experiment import Experiment, write_resolved_recipe
from sracl_cli.recipe import Recipe
from sracl_cli.training.loop import fit
from sracl_cli.training.seeding import pick_device, seed_everything


def run_train(recipe: Recipe, console: Console) -> dict[str, float]:
    exp = Experiment.from_recipe(recipe)  # bad data fails here, before anything is written
    print_data_summary(exp, console)
    write_resolved_recipe(recipe)
    train_cfg = recipe.config.train
    if train_cfg.threads:
        torch.set_num_threads(train_cfg.threads)
    device = pick_device(train_cfg.device)
    generator = seed_everything(train_cfg.seed)
    model = exp.build_model().to(device)
    result = fit(exp, model, device, generator, console)
    train_dir = exp.run_dir / "train"
    write_manifest(
        train_dir,
        "train",
        {"data": recipe.to_dict()["data"], "model": recipe.to_dict()["model"], "train": train_cfg.model_dump()},
        inputs=exp.data_files(),
        outputs=[train_dir / "model.pt", train_dir / "history.json"],
        best_epoch=result.best_epoch,
        best_valid=result.best_value,
        epochs_run=len(result.history),
    )
    console.print(f"best epoch {result.best_epoch} (valid {recipe.config.eval.early_stop_metric} {result.best_value:.4f})")
    return evaluate_checkpoint(exp, device, console)


def print_data_summary(exp: Experiment, console: Console) -> None:
    data, split = exp.data, exp.split
    console.print(
        f"[bold]{data.name}[/]: {data.n_users:,} users, {data.n_items:,} items, {data.n_interactions:,} interactions; "
        f"{len(split.train):,} training samples, {len(split.valid):,} valid, {len(split.test):,} test"
        + (f" ({split.skipped_users:,} users with < 3 items skipped)" if split.skipped_users else "")
    )
