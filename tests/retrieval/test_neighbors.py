"""Neighbour-table rules on the quickstart sample's 15k user units (exact store, real unit layout)."""

from __future__ import annotations

import numpy as np
import pytest

from quickstart_units import quickstart
from sracl_cli.errors import UsageError
from sracl_cli.recipe import IndexSection
from sracl_cli.retrieval.exclusions import ExcludeSelf, UnitRules
from sracl_cli.retrieval.neighbors import (
    Pool,
    fetch_sizes,
    item_neighbors,
    item_pool,
    search,
    unit_pool,
    user_neighbors,
)
from sracl_cli.retrieval.stores.exact import ExactStore
from sracl_cli.retrieval.stores.protocol import MISSING

K = 10


def neighbors_for(section: IndexSection, mode: str = "prefix"):
    _, units, _, vectors = quickstart(mode)
    rules = UnitRules.from_section(section)
    pool = unit_pool(vectors, units, rules)
    return units, pool, user_neighbors(pool.exact_store(), vectors, units, pool, K, rules)


@pytest.fixture(scope="module")
def default_table():
    return neighbors_for(IndexSection())


def test_item_table_has_no_self_and_no_padding():
    _, _, items, _ = quickstart()
    pool = item_pool(items)
    table = item_neighbors(pool.exact_store(), items, pool, K)
    assert table.dtype == np.int32 and table.shape == (len(items), K)
    assert (table[0] == 0).all()
    assert (table[1:] != 0).all()
    assert not (table[1:] == np.arange(1, len(items))[:, None]).any()
    assert all(len(set(row)) == K for row in table[1:])


def test_default_units_get_k_pool_neighbours_of_other_users(default_table):
    units, pool, table = default_table
    assert table.dtype == np.int32 and table.shape == (len(units), K)
    assert units.in_train_pool[table].all(), "only train-pool units may be neighbours"
    assert not (units.user[table] == units.user[:, None]).any(), "no unit of the same user"
    assert not (table == np.arange(len(units))[:, None]).any()
    assert all(len(set(row)) == K for row in table)


def test_units_outside_the_pool_get_neighbours_too(default_table):
    units, _, table = default_table
    outside = np.flatnonzero(~units.in_train_pool)
    assert len(outside) == 2000  # one unit per user holds the validation item
    assert units.in_train_pool[table[outside]].all()


def test_rows_are_the_best_allowed_pool_units(default_table):
    units, pool, table = default_table
    _, _, _, vectors = quickstart()
    for unit in (0, 17, int(np.flatnonzero(~units.in_train_pool)[5])):
        allowed = pool.ids[units.user[pool.ids] != units.user[unit]]
        similarity = vectors[allowed] @ vectors[unit]
        best = allowed[np.argsort(-similarity, kind="stable")[:K]]
        found = np.sort(vectors[table[unit]] @ vectors[unit])
        np.testing.assert_allclose(found, np.sort(vectors[best] @ vectors[unit]), atol=1e-6)


def test_same_user_units_would_dominate_without_the_rule():
    units, _, table = neighbors_for(IndexSection(exclude_same_user=False))
    assert (units.user[table] == units.user[:, None]).mean() > 0.2
    assert not (table == np.arange(len(units))[:, None]).any()


def test_official_compat_pools_every_prefix_and_excludes_only_self(default_table):
    units, _, table = neighbors_for(IndexSection(compat="official"))
    assert (~units.in_train_pool[table]).any(), "prefixes holding validation items are candidates"
    assert (units.user[table] == units.user[:, None]).any(), "the same user's other prefixes are candidates"
    assert not (table == np.arange(len(units))[:, None]).any()
    assert not np.array_equal(table, default_table[2])
    # official overrides the two finer switches
    assert UnitRules.from_section(IndexSection(compat="official", pool="train")) == UnitRules("all", False)


def test_pool_all_keeps_the_same_user_rule():
    units, pool, table = neighbors_for(IndexSection(pool="all"))
    assert len(pool.ids) == len(units)
    assert not (units.user[table] == units.user[:, None]).any()


def test_user_mode_units():
    units, pool, table = neighbors_for(IndexSection(), mode="user")
    assert len(units) == 2000 and len(pool.ids) == 2000
    assert not (table == np.arange(len(units))[:, None]).any()


class ShortStore(ExactStore):
    """An approximate store that sometimes returns fewer results than asked."""

    def query(self, vectors, k):
        ids, scores = super().query(vectors, k)
        ids[::3, k // 2 :] = MISSING
        return ids, scores


def test_short_rows_are_refilled_exactly():
    _, _, items, _ = quickstart()
    pool = item_pool(items)
    store = ShortStore()
    store.upsert(pool.ids, pool.vectors)
    refilled = search(store, items[1:], pool.ids, K, ExcludeSelf(), pool)
    exact = search(pool.exact_store(), items[1:], pool.ids, K, ExcludeSelf(), pool)
    np.testing.assert_array_equal(refilled, exact)


def test_fetch_sizes_cover_the_bound_with_few_distinct_values():
    sizes = fetch_sizes(np.array([0, 1, 2, 3, 7, 9, 100]), 10, pool_size=10_000)
    assert list(sizes) == [11, 11, 12, 14, 18, 26, 138]
    assert list(fetch_sizes(np.array([500]), 10, pool_size=200)) == [200]


def test_too_small_a_pool_is_a_usage_error():
    vectors = np.eye(4, dtype=np.float32)
    pool = Pool(np.arange(1, 4), vectors[1:])
    with pytest.raises(UsageError, match="index.k = 3, but 3 queries have fewer than 3 allowed neighbours"):
        search(pool.exact_store(), vectors[1:], pool.ids, 3, ExcludeSelf(), pool)
    with pytest.raises(UsageError, match="pool holds only 3 vectors"):
        search(pool.exact_store(), vectors[1:], pool.ids, 5, ExcludeSelf(), pool)
