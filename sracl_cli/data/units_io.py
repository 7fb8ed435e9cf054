"""User units on disk (`embed/units.npz`): the arrays of UserUnits plus its mode, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sracl_cli.artifacts import write_npz
from sracl_cli.data.units import UserUnits

ARRAYS = ("user", "start", "end", "in_train_pool")


def save_units(path: Path, units: UserUnits) -> Path:
    return write_npz(Path(path), {"mode": np.array(units.mode), **{name: getattr(units, name) for name in ARRAYS}})


def load_units(path: Path) -> UserUnits:
    with np.load(path, allow_pickle=False) as archive:
        return UserUnits(mode=str(archive["mode"]), **{name: archive[name] for name in ARRAYS})
