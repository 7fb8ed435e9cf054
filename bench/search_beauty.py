"""Neighbour search on full Beauty: exact vs Chroma HNSW at several ef_search values, by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/search_beauty.py RUN_DIR [--units real|proxy|sample]

RUN_DIR/embed/items.npy holds the real MiniLM title embeddings (bench/embed_beauty.py). Unit vectors:
`real` = RUN_DIR/embed/users.npy; `proxy` = the normalised mean of a unit's real title embeddings (all
176,139 units, for when embedding every unit text is too slow); `sample` = the real MiniLM embeddings of
the 20,000 sampled units in RUN_DIR/embed/units_sample.npz, and with `--proxy-sample` their proxies instead
(to check that the proxy behaves like the real vectors). Recall@k is over every query, not a sample.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import IndexSection, load_recipe
from sracl_cli.retrieval.exclusions import UnitRules
from sracl_cli.retrieval.neighbors import item_neighbors, item_pool, unit_pool, user_neighbors
from sracl_cli.retrieval.recall import recall_at_k
from sracl_cli.retrieval.stores import chroma
from sracl_cli.semantic.units import user_units
from sracl_cli.vectors import fingerprint, l2_normalize


def proxy_unit_vectors(items: np.ndarray, data, units) -> np.ndarray:
    cumulative = np.vstack([np.zeros((1, items.shape[1])), np.cumsum(items[data.items], axis=0, dtype=np.float64)])
    return l2_normalize((cumulative[units.end] - cumulative[units.start]).astype(np.float32))


def unit_inputs(args, items, data, units):
    if args.units == "real":
        return units, np.load(args.run_dir / "embed" / "users.npy")
    if args.units == "proxy":
        return units, proxy_unit_vectors(items, data, units)
    sample = np.load(args.run_dir / "embed" / "units_sample.npz")
    rows = sample["rows"]
    subset = replace(units, user=units.user[rows], start=units.start[rows], end=units.end[rows],
                     in_train_pool=units.in_train_pool[rows])
    vectors = proxy_unit_vectors(items, data, subset) if args.proxy_sample else sample["vectors"]
    return subset, vectors


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def filled_store(section, folder: Path, name: str, pool):
    store = chroma.open_store(section, folder, f"bench-{name}", fingerprint(pool.ids, pool.vectors))
    store.upsert(pool.ids, pool.vectors)
    return store


def exact_tables(args, items, ipool, unit_vectors, units, upool, rules, results, console):
    """Exact neighbour tables, timed once and cached next to the embeddings."""
    tag = f"{args.units}{'-proxy' if args.proxy_sample else ''}"
    cache = args.run_dir / f"exact_tables_{tag}.npz"
    if cache.exists():
        saved = np.load(cache)
        results["runs"].append({"store": "exact", **json.loads(str(saved["timings"]))})
        return saved["items"], saved["units"]
    exact_items, t_items = timed(lambda: item_neighbors(ipool.exact_store(), items, ipool, 10))
    exact_units, t_units = timed(lambda: user_neighbors(upool.exact_store(), unit_vectors, units, upool, 10, rules))
    timings = {"items_search_s": t_items, "units_search_s": t_units}
    np.savez(cache, items=exact_items, units=exact_units, timings=json.dumps(timings))
    results["runs"].append({"store": "exact", **timings})
    console.print(f"exact: items {t_items:.1f}s, units {t_units:.1f}s")
    return exact_items, exact_units


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--units", choices=["real", "proxy", "sample"], default="proxy")
    parser.add_argument("--proxy-sample", action="store_true")
    parser.add_argument("--ef", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--construction-ef", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console()
    data = load_dataset(load_recipe("recipes/beauty.toml"))
    items = np.load(args.run_dir / "embed" / "items.npy")
    units, unit_vectors = unit_inputs(args, items, data, user_units(data, "prefix", 20))
    section = IndexSection(hnsw_m=args.m, hnsw_construction_ef=args.construction_ef)
    rules = UnitRules.from_section(section)
    ipool, upool = item_pool(items), unit_pool(unit_vectors, units, rules)
    console.print(f"items {len(ipool.ids)}, units {len(units)}, unit pool {len(upool.ids)}, dim {items.shape[1]}")
    results = {"units": args.units, "proxy_sample": args.proxy_sample, "n_units": len(units), "m": args.m,
               "construction_ef": args.construction_ef, "runs": []}

    exact_items, exact_units = exact_tables(args, items, ipool, unit_vectors, units, upool, rules, results, console)
    for ef in args.ef:
        # ef_search is fixed when Chroma loads an index into a process, so each value gets a fresh collection.
        ef_section = section.model_copy(update={"hnsw_search_ef": ef})
        with tempfile.TemporaryDirectory() as folder:
            stores, build = {}, {}
            for name, pool in (("items", ipool), ("units", upool)):
                stores[name], build[name] = timed(lambda: filled_store(ef_section, Path(folder), name, pool))
            table_items, s_items = timed(lambda: item_neighbors(stores["items"], items, ipool, 10))
            table_units, s_units = timed(lambda: user_neighbors(stores["units"], unit_vectors, units, upool, 10, rules))
        r_items = recall_at_k(table_items[1:].astype(np.int64), exact_items[1:].astype(np.int64), items[1:], items)
        r_units = recall_at_k(table_units.astype(np.int64), exact_units.astype(np.int64), unit_vectors, unit_vectors)
        results["runs"].append({"store": "chroma", "ef_search": ef, "items_build_s": build["items"],
                                "units_build_s": build["units"], "items_search_s": s_items, "units_search_s": s_units,
                                "items_recall": r_items, "units_recall": r_units})
        console.print(f"chroma ef={ef}: build items {build['items']:.1f}s units {build['units']:.1f}s; "
                      f"search items {s_items:.1f}s r={r_items:.4f}, units {s_units:.1f}s r={r_units:.4f}")

    table = Table(title=f"Beauty neighbour search, units={args.units}{' (proxy)' if args.proxy_sample else ''}, k=10")
    for column in ("store", "ef_search", "items build s", "items search s", "items recall@10",
                   "units build s", "units search s", "units recall@10"):
        table.add_column(column)
    for run in results["runs"]:
        table.add_row(
            run["store"], str(run.get("ef_search", "")),
            f"{run.get('items_build_s', 0):.1f}", f"{run['items_search_s']:.1f}", f"{run.get('items_recall', 1):.4f}",
            f"{run.get('units_build_s', 0):.1f}", f"{run['units_search_s']:.1f}", f"{run.get('units_recall', 1):.4f}",
        )
    console.print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
