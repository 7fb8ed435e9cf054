"""`sracl index`: embeddings → vector stores → item and user neighbour tables (+ recall check, manifest).

Reads `<run>/embed/{items.npy, users.npy, units.npz}`; writes `<run>/index/{item_neighbors.npy,
user_neighbors.npy, manifest.json}` (and, for the embedded Chroma store, `<run>/index/chroma/`).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from sracl_cli import kinds, layout, registry
from sracl_cli.artifacts import load_npy, read_artifact, write_npy
from sracl_cli.data.units import UserUnits
from sracl_cli.data.units_io import load_units
from sracl_cli.errors import UsageError
from sracl_cli.manifests import record
from sracl_cli.recipe import IndexSection, Recipe
from sracl_cli.retrieval.exclusions import ExcludeSelf, UnitRules
from sracl_cli.retrieval.neighbors import Pool, item_neighbors, item_pool, unit_pool, user_neighbors
from sracl_cli.retrieval.preflight import check_index
from sracl_cli.retrieval.recall import sampled_recall, warn_if_low
from sracl_cli.retrieval.stores.protocol import StoreSpec, VectorStore
from sracl_cli.stages import EMBED, INDEX, stage_inputs
from sracl_cli.vectors import fingerprint


class Timings(dict):
    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        yield
        self[name] = round(time.perf_counter() - started, 3)


def run_index(recipe: Recipe, console: Console) -> dict:
    section = recipe.config.index
    index_dir = INDEX.folder(recipe)
    inputs = stage_inputs(INDEX, recipe)  # the embed stage's products: item and unit vectors, the units
    items, users, units = load_inputs(inputs, recipe)
    check_index(recipe, len(items) - 1, units)  # before a store is created in the index folder
    spec = registry.load(kinds.VECTOR_STORE, section.store)
    config = recipe.plugins["index"]  # the store's own keys, validated by its config_model
    rules = UnitRules.from_section(section)
    timings, recall = Timings(), {}

    pool = item_pool(items)
    store = filled_store(spec, config, index_dir, f"{recipe.name}-items", pool, timings, "items: store")
    with timings.step("items: search"):
        item_table = item_neighbors(store, items, pool, section.k)
    recall["items"] = check_recall(spec, section, item_table, items, pool.ids, ExcludeSelf(), pool, timings, "items")

    pool = unit_pool(users, units, rules)
    store = filled_store(spec, config, index_dir, f"{recipe.name}-units", pool, timings, "units: store")
    with timings.step("units: search"):
        user_table = user_neighbors(store, users, units, pool, section.k, rules)
    query_ids = np.arange(len(units), dtype=np.int64)
    unit_rule = rules.exclusion(units, pool.ids)
    recall["units"] = check_recall(spec, section, user_table, users, query_ids, unit_rule, pool, timings, "units")

    write_npy(index_dir / layout.ITEM_NEIGHBORS, item_table)
    write_npy(index_dir / layout.USER_NEIGHBORS, user_table)
    facts = {
        "store": section.store,
        "rules": {"pool": rules.pool, "exclude_same_user": rules.exclude_same_user, "compat": section.compat},
        "counts": {"items": len(items) - 1, "units": len(units), "unit_pool": len(pool.ids), "k": section.k},
        "recall_at_k": recall,
        "timings_s": dict(timings),
    }
    record(index_dir, recipe, INDEX.name, inputs, **facts)
    print_summary(console, section, timings, recall)
    for what, value in recall.items():
        if value is not None:
            warn_if_low(console, what, value, section.k, spec.recall_hint)
    return facts


def load_inputs(paths: list[Path], recipe: Recipe) -> tuple[np.ndarray, np.ndarray, UserUnits]:
    for path in paths:
        EMBED.require(path, recipe, "sracl index")
    rerun = f"run `sracl embed {os.path.relpath(recipe.source)}` again"
    items, users = read_artifact(paths[0], load_npy, rerun), read_artifact(paths[1], load_npy, rerun)
    units = read_artifact(paths[2], load_units, rerun)
    if items.ndim != 2 or users.ndim != 2 or items.shape[1] != users.shape[1]:
        raise UsageError(
            f"{paths[0].parent}: item embeddings {items.shape} and unit embeddings {users.shape} do not match; {rerun}"
        )
    if len(users) != len(units):
        raise UsageError(f"{paths[1]}: {len(users)} unit embeddings for {len(units)} units in {paths[2].name}; {rerun}")
    return items.astype(np.float32, copy=False), users.astype(np.float32, copy=False), units


def filled_store(spec: StoreSpec[Any], config: BaseModel, index_dir: Path, namespace: str, pool: Pool,
                 timings: Timings, step: str) -> VectorStore:
    """A store holding the pool; a persistent store already filled with the same vectors is reused."""
    with timings.step(step):
        store = spec.open(config, index_dir, namespace, fingerprint(pool.ids, pool.vectors))
        if store.count() != len(pool.ids):
            store.upsert(pool.ids, pool.vectors)
    return store


def check_recall(spec: StoreSpec[Any], section: IndexSection, table: np.ndarray, vectors_by_id: np.ndarray,
                 query_ids: np.ndarray, rule, pool: Pool, timings: Timings, what: str) -> float | None:
    """recall@k against exact search; None where the store is exact or the check is off."""
    if spec.exact or section.recall_sample == 0:
        return None
    with timings.step(f"{what}: recall check"):
        return sampled_recall(table, vectors_by_id, query_ids, rule, pool, section.k, section.recall_sample)


def print_summary(console: Console, section: IndexSection, timings: Timings, recall: dict) -> None:
    table = Table(title=f"index ({section.store}, k = {section.k})")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in timings.items():
        table.add_row(step, f"{seconds:.2f}")
    for what, value in recall.items():
        table.add_row(f"{what}: recall@{section.k} vs exact", "—" if value is None else f"{value:.4f}")
    console.print(table)
