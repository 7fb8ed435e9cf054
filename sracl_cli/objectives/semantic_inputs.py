"""What SRA-CL reads from the embed and index stages, checked for presence and shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sracl_cli.errors import UsageError
from sracl_cli.semantic.units import UserUnits
from sracl_cli.semantic.units_io import load_units

PRODUCED_BY = {"embed": "sracl embed", "index": "sracl index"}


@dataclass(frozen=True)
class SemanticInputs:
    item_neighbors: np.ndarray  # [n_items + 1, k]
    user_neighbors: np.ndarray  # [n_units, k]
    unit_embeddings: np.ndarray  # [n_units, d_sem]
    units: UserUnits

    @property
    def semantic_dim(self) -> int:
        return self.unit_embeddings.shape[1]


def semantic_files(run_dir: Path) -> dict[str, Path]:
    return {
        "units": run_dir / "embed" / "units.npz",
        "users": run_dir / "embed" / "users.npy",
        "item_neighbors": run_dir / "index" / "item_neighbors.npy",
        "user_neighbors": run_dir / "index" / "user_neighbors.npy",
    }


def load_semantic_inputs(run_dir: Path, recipe_path: Path, n_items: int) -> SemanticInputs:
    files = semantic_files(run_dir)
    for path in files.values():
        if not path.exists():
            command = PRODUCED_BY[path.parent.name]
            raise UsageError(f"{path}: missing; SRA-CL training needs it, run `{command} {recipe_path}` first")
    inputs = SemanticInputs(
        item_neighbors=np.load(files["item_neighbors"]),
        user_neighbors=np.load(files["user_neighbors"]),
        unit_embeddings=np.load(files["users"]),
        units=load_units(files["units"]),
    )
    _check_shapes(inputs, n_items, run_dir)
    return inputs


def _check_shapes(inputs: SemanticInputs, n_items: int, run_dir: Path) -> None:
    n_units = len(inputs.units)
    problems = []
    if inputs.item_neighbors.shape[0] != n_items + 1:
        problems.append(f"item_neighbors has {inputs.item_neighbors.shape[0]} rows, the data has {n_items} items + 1")
    if inputs.user_neighbors.shape[0] != n_units or inputs.unit_embeddings.shape[0] != n_units:
        problems.append(f"user_neighbors / users.npy rows do not match the {n_units} units")
    if problems:
        raise UsageError(*(f"{run_dir}: {p}; re-run `sracl embed` and `sracl index`" for p in problems))
