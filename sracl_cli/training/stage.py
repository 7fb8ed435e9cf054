"""`sracl train`: fit the backbone with the recipe's objective, keep the best validation model, test it."""

from __future__ import annotations

import torch
from rich.console import Console

from sracl_cli.artifacts import write_manifest
from sracl_cli.errors import UsageError
from sracl_cli.evaluation.stage import evaluate_checkpoint
from sracl_cli.experiment import Experiment, write_resolved_recipe
from sracl_cli.manifests import recipe_sections
from sracl_cli.objectives.factory import build_objective
from sracl_cli.recipe import Recipe
from sracl_cli.training.early_stopping import EarlyStopping
from sracl_cli.training.loop import Trainee, fit
from sracl_cli.training.resume import TrainState, restore_train_state
from sracl_cli.training.seeding import pick_device, seed_everything


def run_train(recipe: Recipe, console: Console, resume: bool = False) -> dict[str, float]:
    exp = Experiment.from_recipe(recipe)  # bad data fails here, before anything is written
    print_data_summary(exp, console)
    if recipe.config.train.seeds:
        from sracl_cli.training.seeds import train_seeds  # seeds.py builds on train_experiment below

        return train_seeds(exp, console, resume)
    return train_experiment(exp, console, resume)


def train_experiment(exp: Experiment, console: Console, resume: bool = False) -> dict[str, float]:
    train_cfg = exp.recipe.config.train
    if train_cfg.threads:
        torch.set_num_threads(train_cfg.threads)
    device = pick_device(train_cfg.device)
    generator = seed_everything(train_cfg.seed)
    trainee = build_trainee(exp, device)
    state = _resumed_state(exp, trainee, console) if resume else TrainState(generator, EarlyStopping(train_cfg.patience))
    write_resolved_recipe(exp.recipe, exp.out_dir)
    if not resume:
        trainee.objective.start(trainee.model)
    state = fit(exp, trainee, state, device, console)
    _write_train_manifest(exp, state)
    console.print(f"best epoch {state.stopper.best_epoch} (valid {exp.recipe.config.eval.early_stop_metric} {state.stopper.best:.4f})")
    return evaluate_checkpoint(exp, device, console)


def build_trainee(exp: Experiment, device: torch.device) -> Trainee:
    """A fresh backbone, the recipe's objective and an Adam optimizer over both."""
    train_cfg = exp.recipe.config.train
    model = exp.build_model().to(device)
    objective = build_objective(exp, model).to(device)  # missing embed/index artifacts fail here
    parameters = list(model.parameters()) + list(objective.parameters())
    optimizer = torch.optim.Adam(parameters, lr=train_cfg.lr, weight_decay=train_cfg.weight_decay)
    return Trainee(model, objective, optimizer)


def _resumed_state(exp: Experiment, trainee: Trainee, console: Console) -> TrainState:
    checkpoint = exp.train_dir / "checkpoint.pt"
    if not checkpoint.exists():
        raise UsageError(f"{checkpoint}: nothing to resume (no checkpoint); run without --resume")
    state = restore_train_state(checkpoint, trainee, exp.recipe.config.train.patience)
    console.print(f"resuming after epoch {state.epoch} (best so far: epoch {state.stopper.best_epoch})")
    return state


def _write_train_manifest(exp: Experiment, state: TrainState) -> None:
    write_manifest(
        exp.train_dir,
        "train",
        recipe_sections(exp.recipe, "train"),
        inputs=exp.train_inputs(),
        outputs=[exp.train_dir / "model.pt", exp.train_dir / "history.json"],
        best_epoch=state.stopper.best_epoch,
        best_valid=state.stopper.best,
        epochs_run=state.epoch,
    )


def print_data_summary(exp: Experiment, console: Console) -> None:
    data, split = exp.data, exp.split
    console.print(
        f"[bold]{data.name}[/]: {data.n_users:,} users, {data.n_items:,} items, {data.n_interactions:,} interactions; "
        f"{len(split.train):,} training samples, {len(split.valid):,} valid, {len(split.test):,} test"
        + (f" ({split.skipped_users:,} users with < 3 items skipped)" if split.skipped_users else "")
    )
