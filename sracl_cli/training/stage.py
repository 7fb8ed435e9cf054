"""`sracl train` of one run: fit the backbone with the recipe's objective, keep the best validation model, test it."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, cast

import torch
from rich.console import Console
from torch import nn

from sracl_cli import kinds, layout, registry
from sracl_cli.artifacts import write_json
from sracl_cli.checkpoint import save_state
from sracl_cli.devices import set_threads
from sracl_cli.errors import UsageError
from sracl_cli.evaluation.evaluate import evaluate_samples
from sracl_cli.evaluation.stage import evaluate_checkpoint
from sracl_cli.experiment import Experiment
from sracl_cli.manifests import recipe_sections, record, write_resolved_recipe
from sracl_cli.models.protocol import sequence_backbone
from sracl_cli.objectives.protocol import ObjectiveContext
from sracl_cli.objectives.semantic_inputs import load_semantic_inputs
from sracl_cli.stages import TRAIN, stage_inputs
from sracl_cli.tracking.session import tracking
from sracl_cli.training.batches import TrainingSet
from sracl_cli.training.early_stopping import EarlyStopping
from sracl_cli.training.loop import Loop, Trainee, fit
from sracl_cli.training.module import TrainingModule
from sracl_cli.training.optimizer import build_optimizer, build_schedule
from sracl_cli.training.resume import (
    TrainState,
    recipe_key,
    restore_train_state,
    resumable_epoch,
    save_train_state,
)
from sracl_cli.training.runtime import Runtime, build_runtime
from sracl_cli.training.seeding import seed_everything

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone
    from sracl_cli.recipe import Recipe


def require_training(recipe: Recipe) -> None:
    """Exit 2 for a recipe that only evaluates another run's weights (`eval.weights_from`)."""
    if recipe.config.eval.weights_from is not None:
        raise UsageError(f"{recipe.source.name}: eval.weights_from is set: the recipe evaluates the weights of "
                         f"{recipe.config.eval.weights_from} and trains nothing; run `sracl eval {recipe.source}`")


def train_experiment(exp: Experiment, console: Console, resume: bool = False) -> dict[str, float]:
    train_cfg = exp.recipe.config.train
    set_threads(train_cfg.threads)
    runtime = build_runtime(train_cfg)  # one process, or this rank of a torchrun job
    generator = seed_everything(train_cfg.seed)
    trainee = build_trainee(exp, runtime)
    if not resume:
        note_resumable(exp, console)
    state = (_resumed_state(exp, trainee, console) if resume
             else TrainState(generator, EarlyStopping(train_cfg.patience)))
    if runtime.is_main:
        write_resolved_recipe(exp.recipe, exp.out_dir)
    if not resume:
        trainee.module.loss_objective.start(trainee.module.loss_backbone)
    with tracking(exp, runtime, state.history) as tracker:  # [logging] to: one tracker run per seed
        state = fit(trainee, training_set(exp), state, runtime, tracker.watch(epoch_loop(exp, runtime)), console)
        if runtime.is_main:
            record(exp.train_dir, exp.recipe, TRAIN.name, stage_inputs(TRAIN, exp.recipe, exp.out_dir),
                   best_epoch=state.stopper.best_epoch, best_valid=state.stopper.best, epochs_run=state.epoch)
        metric = exp.recipe.config.eval.early_stop_metric
        console.print(f"best epoch {state.stopper.best_epoch} (valid {metric} {state.stopper.best:.4f})")
        if not runtime.is_main:  # rank 0 alone tests the best model and writes eval/
            return {}
        return tracker.finished(evaluate_checkpoint(exp, runtime.device, console), state.stopper.best_epoch)


def build_trainee(exp: Experiment, runtime: Runtime) -> Trainee:
    """A fresh backbone, the recipe's objective and the recipe's optimizer (and schedule) over both."""
    config = exp.recipe.config
    backbone = exp.build_model().to(runtime.device)
    if exp.sequences is not None:
        sequence_backbone(backbone, config.model.backbone)
    objective = build_objective(exp, backbone).to(runtime.device)  # missing embed/index artifacts fail here
    module = runtime.prepare(TrainingModule(backbone, objective))  # DDP-wrapped under torchrun
    optimizer = build_optimizer(config.optimizer, module.parameters())
    steps = config.train.epochs * training_set(exp).n_batches(config.train.batch_size)
    schedule = build_schedule(config.optimizer, optimizer, steps)
    return Trainee(module, optimizer, schedule, config.optimizer.clip_norm)


def build_objective(exp: Experiment, backbone: nn.Module) -> nn.Module:
    """The recipe's objective, built from its own [objective] keys and only what its spec declares."""
    recipe = exp.recipe
    spec = registry.load(kinds.OBJECTIVE, recipe.config.objective.name)
    needs_semantic = bool({"embed", "index"} & set(spec.needs))
    context = ObjectiveContext(
        data=exp.data,
        train=exp.split.train,
        max_len=recipe.config.data.max_len,
        hidden=cast("Backbone", backbone).item_embeddings().size(1),
        semantic=load_semantic_inputs(recipe, exp.data.n_items) if needs_semantic else None,
        sequences=exp.sequences,
    )
    objective = spec.build(recipe.plugins["objective"], context)
    if not isinstance(objective, nn.Module):
        raise UsageError(f"objective '{recipe.config.objective.name}': build returned a {type(objective).__name__}, "
                         "expected a torch.nn.Module")
    return objective


def training_set(exp: Experiment) -> TrainingSet:
    """What the epochs draw batches from: the prefix samples, or the sequence windows (`train.samples`)."""
    if exp.sequences is None:
        return TrainingSet.of_prefixes(exp.split.train)
    return TrainingSet.of_sequences(exp.sequences, exp.recipe.config.train.batch_by)


def epoch_loop(exp: Experiment, runtime: Runtime) -> Loop:
    config = exp.recipe.config
    validate = partial(_validate, exp, runtime.device)
    return Loop(config.train.epochs, config.train.batch_size, config.eval.early_stop_metric, validate,
                partial(_save_epoch, exp))


def _validate(exp: Experiment, device: torch.device, backbone: nn.Module) -> dict[str, float]:
    return evaluate_samples(backbone, exp.split.valid, exp.data, exp.recipe.config.eval, device)


def _save_epoch(exp: Experiment, trainee: Trainee, state: TrainState, improved: bool) -> None:
    if improved:
        save_state(exp.train_dir / layout.MODEL, trainee.model.state_dict())
    write_json(exp.train_dir / layout.HISTORY, state.history)
    save_train_state(exp.train_dir / layout.CHECKPOINT, trainee, state, recipe_key(exp.recipe))


def _resumed_state(exp: Experiment, trainee: Trainee, console: Console) -> TrainState:
    checkpoint = exp.train_dir / layout.CHECKPOINT
    if not checkpoint.exists():
        raise UsageError(f"{checkpoint}: nothing to resume (no checkpoint); run without --resume")
    state = restore_train_state(checkpoint, trainee, exp.recipe.config.train.patience, recipe_key(exp.recipe))
    console.print(f"resuming after epoch {state.epoch} (best so far: epoch {state.stopper.best_epoch})")
    return state


def note_resumable(exp: Experiment, console: Console) -> None:
    """Say so before a fresh start overwrites the checkpoint a stopped run of this recipe left."""
    checkpoint = exp.train_dir / layout.CHECKPOINT
    epoch = resumable_epoch(checkpoint, recipe_key(exp.recipe))
    if epoch is not None and not _finished(exp, epoch):
        console.print(f"note: {checkpoint} holds epoch {epoch} of a stopped run of this recipe; starting over "
                      "(`sracl run --resume` or `sracl train --resume` continues it instead)", highlight=False,
                      markup=False, soft_wrap=True)


def _finished(exp: Experiment, epoch: int) -> bool:
    manifest = exp.train_dir / layout.MANIFEST
    if not manifest.is_file():
        return False
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    return recorded.get("epochs_run") == epoch and recorded.get("recipe") == recipe_sections(exp.recipe, TRAIN.name)


def print_data_summary(exp: Experiment, console: Console) -> None:
    data, split = exp.data, exp.split
    console.print(
        f"[bold]{data.name}[/]: {data.n_users:,} users, {data.n_items:,} items, {data.n_interactions:,} interactions; "
        f"{len(split.train):,} training samples, {len(split.valid):,} valid, {len(split.test):,} test"
        + (f" ({split.skipped_users:,} users with < 3 items skipped)" if split.skipped_users else ""),
        soft_wrap=True,  # one line in a log file too
    )
    for note in data.notes:  # what the loader did to the rows (the csv loader's duplicates, sorting, ties)
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


