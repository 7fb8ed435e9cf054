"""Model checkpoints: plain state_dict files, written atomically, loaded with weights_only=True."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch

from sracl_cli.artifacts import write_atomic
from sracl_cli.errors import UsageError


def save_state(path: Path, state: dict) -> Path:
    """Saved through a file handle: given a path, torch names the zip records after the (random) temp file."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            torch.save(state, handle)

    return write_atomic(path, write)


def load_state(path: Path, map_location: str | torch.device = "cpu",
               rebuild: str = "run `sracl train` with this recipe again") -> dict:
    if not path.exists():
        raise UsageError(f"{path}: checkpoint not found (run `sracl train` with this recipe first)")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"{path}: truncated or corrupt (not a readable checkpoint: {reason}); {rebuild}") from None
