"""Neighbour tables: the k most similar pool members of every query, exclusion rules applied.

Exclusions work by over-fetching: each query asks the store for k + (the most its rule can exclude)
candidates, queries grouped by that size so every store call stays vectorised. Rows still short of k
valid neighbours (an approximate store may return fewer than asked) are refilled from an exact search
over the pool. The item table always leaves out the padding item 0, also under `compat = "official"`
(whose code could return it): it is not an item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.units import UserUnits
from sracl_cli.errors import UsageError
from sracl_cli.retrieval.exclusions import ExcludeSelf, UnitRules
from sracl_cli.retrieval.stores.exact import ExactStore
from sracl_cli.retrieval.stores.protocol import VectorStore

CANDIDATES_PER_CHUNK = 1 << 22  # ids fetched per store call (rows x fetch), to bound memory


@dataclass(frozen=True)
class Pool:
    """What a store holds: ids and their vectors (kept for the exact refill)."""

    ids: np.ndarray
    vectors: np.ndarray

    def exact_store(self) -> ExactStore:
        store = ExactStore()
        store.upsert(self.ids, self.vectors)
        return store


def item_pool(item_vectors: np.ndarray) -> Pool:
    """Items 1..n; row 0 of the item embeddings is padding and never enters a store."""
    return Pool(np.arange(1, len(item_vectors), dtype=np.int64), item_vectors[1:])


def unit_pool(unit_vectors: np.ndarray, units: UserUnits, rules: UnitRules) -> Pool:
    ids = rules.pool_ids(units)
    return Pool(ids, unit_vectors[ids])


def item_neighbors(store: VectorStore, item_vectors: np.ndarray, pool: Pool, k: int) -> np.ndarray:
    """int32 [n_items + 1, k]; row 0 (padding) is all zeros."""
    table = np.zeros((len(item_vectors), k), dtype=np.int32)
    table[1:] = search(store, item_vectors[1:], pool.ids, k, ExcludeSelf(), pool)
    return table


def user_neighbors(store: VectorStore, unit_vectors: np.ndarray, units: UserUnits, pool: Pool, k: int,
                   rules: UnitRules) -> np.ndarray:
    """int32 [n_units, k] of unit indices; every unit (in the pool or not) gets neighbours from the pool."""
    query_ids = np.arange(len(units), dtype=np.int64)
    return search(store, unit_vectors, query_ids, k, rules.exclusion(units, pool.ids), pool).astype(np.int32)


def search(store: VectorStore, query_vectors: np.ndarray, query_ids: np.ndarray, k: int, rule,
           pool: Pool) -> np.ndarray:
    """int64 [n, k]: each query's k best valid pool ids, best first."""
    if len(pool.ids) < k:
        raise UsageError(f"index.k = {k}, but the neighbour pool holds only {len(pool.ids)} vectors")
    wanted = fetch_sizes(rule.bound(query_ids), k, len(pool.ids))
    rows = np.zeros((len(query_ids), k), dtype=np.int64)
    complete = np.zeros(len(query_ids), dtype=bool)
    for fetch in np.unique(wanted):
        group = np.flatnonzero(wanted == fetch)
        for chunk in np.array_split(group, max(1, len(group) * int(fetch) // CANDIDATES_PER_CHUNK)):
            candidates, _ = store.query(query_vectors[chunk], int(fetch))
            rows[chunk], complete[chunk] = first_valid(candidates, ~rule.excluded(query_ids[chunk], candidates), k)
    short = np.flatnonzero(~complete)
    if len(short):
        rows[short] = refill_exactly(query_vectors[short], query_ids[short], k, rule, pool)
    return rows


def fetch_sizes(bound: np.ndarray, k: int, pool_size: int) -> np.ndarray:
    """k + the rule's bound rounded up to a power of two (few distinct sizes), at most the pool."""
    rounded = np.left_shift(1, np.ceil(np.log2(np.maximum(bound, 1))).astype(np.int64))
    return np.minimum(k + rounded, pool_size)


def first_valid(candidates: np.ndarray, valid: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first k valid candidates of each row (in order), and whether the row had k of them."""
    order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(candidates, order, axis=1), valid.sum(axis=1) >= k


def refill_exactly(query_vectors: np.ndarray, query_ids: np.ndarray, k: int, rule, pool: Pool) -> np.ndarray:
    fetch = int(min(k + rule.bound(query_ids).max(), len(pool.ids)))
    candidates, _ = pool.exact_store().query(query_vectors, fetch)
    rows, complete = first_valid(candidates, ~rule.excluded(query_ids, candidates), k)
    if not complete.all():
        raise UsageError(
            f"index.k = {k}, but {int((~complete).sum())} queries have fewer than {k} allowed neighbours "
            f"in a pool of {len(pool.ids)}; lower index.k or use a larger dataset"
        )
    return rows
