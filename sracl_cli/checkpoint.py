"""Model checkpoints: plain state_dict files, written atomically, loaded with weights_only=True."""

from __future__ import annotations

from pathlib import Path

import torch

from sracl_cli.artifacts import write_atomic
from sracl_cli.errors import UsageError


def save_state(path: Path, state: dict) -> Path:
    return write_atomic(path, lambda tmp: torch.save(state, tmp))


def load_state(path: Path, map_location: str | torch.device = "cpu") -> dict:
    if not path.exists():
        raise UsageError(f"{path}: checkpoint not found (run `sracl train` with this recipe first)")
    return torch.load(path, map_location=map_location, weights_only=True)
