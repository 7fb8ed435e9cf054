"""Everything needed to continue a run exactly: weights, optimizer, RNG streams, epoch, early stopping, history.

Training draws randomness only from torch (the global generator for dropout and augmentations, a dedicated
one for the data order), so those two states are what a checkpoint must carry for an exact resume on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from sracl_cli.checkpoint import load_state, save_state
from sracl_cli.training.early_stopping import EarlyStopping

if TYPE_CHECKING:
    from sracl_cli.training.loop import Trainee


@dataclass
class TrainState:
    generator: torch.Generator
    stopper: EarlyStopping
    epoch: int = 0
    history: list[dict] = field(default_factory=list)


def save_train_state(path: Path, trainee: Trainee, state: TrainState) -> Path:
    stopper = state.stopper
    saved: dict[str, Any] = {
        "model": trainee.model.state_dict(),
        "objective": trainee.objective.state_dict(),
        "optimizer": trainee.optimizer.state_dict(),
        "epoch": state.epoch,
        "stopper": {"best": stopper.best, "best_epoch": stopper.best_epoch, "bad_epochs": stopper.bad_epochs},
        "rng": {"torch": torch.get_rng_state(), "data_order": state.generator.get_state()},
        "history": state.history,
    }
    if trainee.schedule is not None:
        saved["schedule"] = trainee.schedule.state_dict()
    return save_state(path, saved)


def restore_train_state(path: Path, trainee: Trainee, patience: int) -> TrainState:
    saved = load_state(path)
    trainee.model.load_state_dict(saved["model"])
    trainee.objective.load_state_dict(saved["objective"])
    trainee.optimizer.load_state_dict(saved["optimizer"])
    if trainee.schedule is not None and "schedule" in saved:
        trainee.schedule.load_state_dict(saved["schedule"])
    torch.set_rng_state(saved["rng"]["torch"])
    generator = torch.Generator()
    generator.set_state(saved["rng"]["data_order"])
    stopper = EarlyStopping(patience, **saved["stopper"])
    return TrainState(generator, stopper, saved["epoch"], saved["history"])
