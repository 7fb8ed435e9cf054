"""Everything needed to continue a run exactly: weights, optimizer, RNG streams, epoch, early stopping, history.

Training draws randomness only from torch (the global generator for dropout and augmentations, a dedicated
one for the data order), so those two states are what a checkpoint must carry for an exact resume on CPU.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from sracl_cli.checkpoint import load_state, save_state
from sracl_cli.errors import UsageError
from sracl_cli.layout import HISTORY
from sracl_cli.training.early_stopping import EarlyStopping
from sracl_cli.training.launch import torchrun_launch

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe
    from sracl_cli.training.loop import Trainee


# Wall-clock facts: in history.json, kept out of checkpoint.pt so identical runs write identical bytes.
TIMINGS = ("seconds", "samples_per_s", "targets_per_s")


@dataclass
class TrainState:
    generator: torch.Generator
    stopper: EarlyStopping
    epoch: int = 0
    history: list[dict] = field(default_factory=list)
    rng_states: torch.Tensor | None = None  # [processes, n]: each torchrun rank's torch RNG state (dropout)


# May change between a run and its resume: how long to train and on how many threads (a longer run
# continues the same trajectory; the thread count is a speed setting).
RESUMABLE_CHANGES = {"train": ("epochs", "patience", "threads")}


def recipe_key(recipe: Recipe) -> str:
    """The sha256 of the recipe sections the train stage depends on (but `RESUMABLE_CHANGES`): a checkpoint
    resumes only under the same key."""
    from sracl_cli.manifests import recipe_sections

    sections = recipe_sections(recipe, "train")
    for section, keys in RESUMABLE_CHANGES.items():
        sections[section] = {key: value for key, value in sections[section].items() if key not in keys}
    canonical = json.dumps(sections, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_train_state(path: Path, trainee: Trainee, state: TrainState, key: str) -> Path:
    stopper = state.stopper
    saved: dict[str, Any] = {
        "recipe_key": key,
        "model": trainee.model.state_dict(),
        "objective": trainee.objective.state_dict(),
        "optimizer": trainee.optimizer.state_dict(),
        "epoch": state.epoch,
        "stopper": {"best": stopper.best, "best_epoch": stopper.best_epoch, "bad_epochs": stopper.bad_epochs},
        "rng": {"torch": torch.get_rng_state(), "data_order": state.generator.get_state(), **_ranks(state)},
        "history": [{k: v for k, v in epoch.items() if k not in TIMINGS} for epoch in state.history],
    }
    if trainee.schedule is not None:
        saved["schedule"] = trainee.schedule.state_dict()
    return save_state(path, saved)


def resumable_epoch(path: Path, key: str) -> int | None:
    """The last epoch of a checkpoint written with this recipe; None when there is none (or it is unreadable)."""
    if not path.is_file():
        return None
    try:
        saved = load_state(path)
    except UsageError:
        return None
    return saved["epoch"] if saved.get("recipe_key") == key else None


def restore_train_state(path: Path, trainee: Trainee, patience: int, key: str) -> TrainState:
    saved = load_state(path, rebuild="run without --resume to start over")
    if saved.get("recipe_key", key) != key:  # checkpoints from before keys existed resume as they did
        raise UsageError(f"{path}: written with a different recipe (data, model, objective, optimizer, train or "
                         "eval changed since); run without --resume to start over")
    trainee.model.load_state_dict(saved["model"])
    trainee.objective.load_state_dict(saved["objective"])
    trainee.optimizer.load_state_dict(saved["optimizer"])
    if trainee.schedule is not None and "schedule" in saved:
        trainee.schedule.load_state_dict(saved["schedule"])
    torch.set_rng_state(_own_stream(saved["rng"]))
    generator = torch.Generator()
    generator.set_state(saved["rng"]["data_order"])
    stopper = EarlyStopping(patience, **saved["stopper"])
    return TrainState(generator, stopper, saved["epoch"], _with_timings(saved["history"], path.parent / HISTORY))


def _ranks(state: TrainState) -> dict[str, torch.Tensor]:
    """Under torchrun, every rank's torch RNG state (rank 0 writes the checkpoint for all of them)."""
    states = state.rng_states
    return {"ranks": states} if states is not None and len(states) > 1 else {}


def _own_stream(rng: dict) -> torch.Tensor:
    """This process's saved torch RNG state: its rank's when the run had as many ranks, else rank 0's."""
    launch = torchrun_launch()
    ranks = rng.get("ranks")
    if launch is not None and ranks is not None and len(ranks) == launch.world_size:
        return ranks[launch.rank].clone()  # set_rng_state of a row view with an offset crashes torch 2.13
    return rng["torch"]


def _with_timings(history: list[dict], history_file: Path) -> list[dict]:
    """The checkpoint's history with each epoch's timings from history.json (written just before it)."""
    try:
        timed = {epoch["epoch"]: epoch for epoch in json.loads(history_file.read_text(encoding="utf-8"))}
    except (OSError, ValueError, TypeError, KeyError):
        timed = {}
    merged = []
    for epoch in history:
        timings = timed.get(epoch["epoch"], {})
        merged.append({**epoch, **{key: timings[key] for key in TIMINGS if key in timings}})
    return merged
