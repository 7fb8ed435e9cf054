"""A recipe's dataset: its loader's output, k-core filtered when the recipe asks for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sracl_cli import kinds, registry
from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.kcore import kcore

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe


def load_dataset(recipe: Recipe) -> SequenceData:
    spec = registry.load(kinds.DATASET, recipe.config.data.loader)
    data = spec.load(recipe.data_params, recipe.name)
    if recipe.config.data.min_core > 1:
        data = kcore(data, recipe.config.data.min_core)
    return data
