"""What SRA-CL reads from the embed and index stages, checked for presence and shape."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sracl_cli import layout
from sracl_cli.artifacts import load_npy, read_artifact
from sracl_cli.data.units import UserUnits
from sracl_cli.data.units_io import load_units
from sracl_cli.errors import UsageError
from sracl_cli.stages import EMBED, INDEX, STAGES

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

@dataclass(frozen=True)
class SemanticInputs:
    item_neighbors: np.ndarray  # [n_items + 1, k]
    user_neighbors: np.ndarray  # [n_units, k]
    unit_embeddings: np.ndarray  # [n_units, d_sem]
    units: UserUnits

    @property
    def semantic_dim(self) -> int:
        return self.unit_embeddings.shape[1]


def load_semantic_inputs(recipe: Recipe, n_items: int) -> SemanticInputs:
    """The embed and index artifacts (paths and the commands that make them: `stages.EMBED`, `stages.INDEX`)."""
    embed, index = EMBED.folder(recipe), INDEX.folder(recipe)
    files = {
        "units": embed / layout.UNITS,
        "users": embed / layout.UNIT_EMBEDDINGS,
        "item_neighbors": index / layout.ITEM_NEIGHBORS,
        "user_neighbors": index / layout.USER_NEIGHBORS,
    }
    for path in files.values():
        STAGES[path.parent.name].require(path, recipe, "SRA-CL training")

    def read(name: str, load=load_npy):
        path = files[name]
        return read_artifact(path, load, f"run `sracl {path.parent.name} {os.path.relpath(recipe.source)}` again")

    inputs = SemanticInputs(
        item_neighbors=read("item_neighbors"),
        user_neighbors=read("user_neighbors"),
        unit_embeddings=read("users"),
        units=read("units", load_units),
    )
    _check_shapes(inputs, n_items, recipe.semantic_dir)
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
