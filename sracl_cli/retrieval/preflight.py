"""`sracl index`'s preconditions, checked before any store is created (and by `sracl validate`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sracl_cli.errors import UsageError
from sracl_cli.retrieval.exclusions import UnitRules

if TYPE_CHECKING:
    from sracl_cli.data.units import UserUnits
    from sracl_cli.recipe import Recipe


def check_index(recipe: Recipe, n_items: int, units: UserUnits) -> None:
    """`sracl index`'s own preconditions, before a store is created."""
    problems = neighbour_problems(recipe, n_items, units)
    if problems:
        raise UsageError(*problems)


def neighbour_problems(recipe: Recipe, n_items: int, units: UserUnits) -> list[str]:
    """`index.k` against the most neighbours an item (all items but itself) and a user unit can have."""
    section = recipe.config.index
    k, where = section.k, f"{recipe.source.name}: index.k"
    problems = []
    if k >= n_items:
        problems.append(f"{where}: {k}, but an item can have at most {n_items - 1:,} neighbours "
                        f"({n_items:,} items, itself excluded); lower index.k")
    rules = UnitRules.from_section(section)
    pool = rules.pool_ids(units)
    excluded = rules.exclusion(units, pool).bound(np.arange(len(units), dtype=np.int64))
    allowed = len(pool) - int(excluded.max(initial=0))
    if k > allowed:
        rule = "its own user's units" if rules.exclude_same_user else "itself"
        problems.append(f"{where}: {k}, but a user unit can have only {max(allowed, 0):,} neighbours (a pool of "
                        f"{len(pool):,} units with index.pool = \"{rules.pool}\", {rule} excluded); lower index.k")
    return problems
