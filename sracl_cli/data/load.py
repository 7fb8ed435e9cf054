"""A recipe's dataset: its loader's output, k-core filtered when the recipe asks for it.

Every stage starts here, so a dataset too small to train on (no user with the 4 interactions one training
sample needs, or nothing left after `data.min_core`) is refused here, before anything is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sracl_cli import kinds, registry
from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.kcore import kcore
from sracl_cli.data.split import MIN_INTERACTIONS
from sracl_cli.errors import UsageError

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

MIN_TRAINING_LENGTH = MIN_INTERACTIONS + 1  # a training target before the validation and test targets


def load_dataset(recipe: Recipe) -> SequenceData:
    spec = registry.load(kinds.DATASET, recipe.config.data.loader)
    data = spec.load(recipe.data_params, recipe.name)
    min_core = recipe.config.data.min_core
    if min_core > 1:
        loaded, data = data, kcore(data, min_core)
        if data.n_interactions == 0:
            raise UsageError(
                f"{recipe.source.name}: data.min_core: {min_core} leaves none of the "
                f"{loaded.n_interactions:,} interactions; lower data.min_core"
            )
    return require_training_samples(data, recipe)


def require_training_samples(data: SequenceData, recipe: Recipe) -> SequenceData:
    longest = int(data.lengths().max(initial=0))
    if longest < MIN_TRAINING_LENGTH:
        raise UsageError(
            f"{recipe.source.name}: data: no user has the {MIN_TRAINING_LENGTH} interactions one training sample "
            f"needs (train, then the validation and test targets); the longest of {data.n_users:,} users has "
            f"{longest}"
        )
    return data
