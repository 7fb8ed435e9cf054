"""Who may not be whose neighbour, as vectorised rules over [n_queries, n_candidates] id arrays.

Each rule also bounds, per query, how many pool members it can exclude: fetching k + that bound
candidates from an exact store always leaves k valid neighbours, so rows rarely need a second query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.units import UserUnits
from sracl_cli.retrieval.stores.protocol import MISSING


class ExcludeSelf:
    """A query is never its own neighbour (items; units under `compat = "official"`)."""

    def excluded(self, query_ids: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        return (candidates == query_ids[:, None]) | (candidates == MISSING)

    def bound(self, query_ids: np.ndarray) -> np.ndarray:
        return np.ones(len(query_ids), dtype=np.int64)


@dataclass(frozen=True)
class ExcludeSameUser:
    """A unit never has a unit of its own user as neighbour (itself included)."""

    owner: np.ndarray  # user row of every unit
    pool_units_of_user: np.ndarray  # per user row: how many of its units are in the pool

    @classmethod
    def for_pool(cls, units: UserUnits, pool: np.ndarray) -> ExcludeSameUser:
        counts = np.bincount(units.user[pool], minlength=int(units.user.max(initial=-1)) + 1)
        return cls(units.user, counts)

    def excluded(self, query_ids: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        missing = candidates == MISSING
        same_user = self.owner[np.where(missing, 0, candidates)] == self.owner[query_ids][:, None]
        return same_user | missing

    def bound(self, query_ids: np.ndarray) -> np.ndarray:
        return self.pool_units_of_user[self.owner[query_ids]].astype(np.int64)


@dataclass(frozen=True)
class UnitRules:
    """The effective user-side rules of an [index] section."""

    pool: str  # "train": units without validation/test items; "all": every unit
    exclude_same_user: bool

    @classmethod
    def from_section(cls, section) -> UnitRules:
        # The official code searches every prefix (validation items included) and excludes only the unit itself.
        if section.compat == "official":
            return cls(pool="all", exclude_same_user=False)
        return cls(pool=section.pool, exclude_same_user=section.exclude_same_user)

    def pool_ids(self, units: UserUnits) -> np.ndarray:
        if self.pool == "all":
            return np.arange(len(units), dtype=np.int64)
        return np.flatnonzero(units.in_train_pool).astype(np.int64)

    def exclusion(self, units: UserUnits, pool: np.ndarray) -> ExcludeSelf | ExcludeSameUser:
        return ExcludeSameUser.for_pool(units, pool) if self.exclude_same_user else ExcludeSelf()
