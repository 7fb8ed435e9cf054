"""All-pairs top-10 neighbour search over N unit vectors: the exact store (float32, torch) against the `ivf`
store (k-means cells, bf16 GEMM candidates, fp32 re-rank) at several nprobe, threads and processes. Wall
time, peak memory (above the loaded vectors, imports included) and recall@10 against exact search.
Run by hand (results in bench/results/neighbors.json; docs/SCALING.md quotes them):

    SRACL_DATA=/work/shared/data .venv/bin/python bench/neighbors.py --vectors /tmp/beauty_units.npy

Vectors: Beauty's 176,139 prefix units (recipes/beauty.toml), each the normalised mean of its items' MiniLM
title vectors (embedding every unit text takes ~2.5 h on 2 cores; search cost depends on N and d, not on where the
vectors came from); `--vectors FILE` caches them. N < 176,139 takes the first N of a fixed shuffle. The 1M row is
synthetic: each vector a random Beauty unit plus Gaussian noise (`SYNTHETIC_NOISE`), renormalised, and only its
first `--query-limit` queries are searched (against all 1M), the time scaled up to all queries. Recall is
measured on `--sample` queries against exact search of the whole pool; the exact store's full table is timed
only up to `--exact-up-to`. Each run is its own process so that its peak memory is its own. `--quick`: the
bundled sample's 4-core, 1,000 units.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common import QUICK_OVERRIDES, QUICKSTART, REPO, PeakMemory, common_arguments, make_table, save_results

K = 10


def proxy_unit_vectors(recipe_path: Path, overrides: list[str]) -> np.ndarray:
    """Every prefix unit as the normalised mean of its items' MiniLM title vectors (bf16 MiniLM, as packaged)."""
    from sracl_cli.data.load import load_dataset
    from sracl_cli.data.units import user_units
    from sracl_cli.recipe import load_recipe
    from sracl_cli.semantic.embedders.progress import EmbeddingProgress
    from sracl_cli.semantic.embedders.sbert import build
    from sracl_cli.vectors import l2_normalize

    recipe = load_recipe(recipe_path, overrides + ["embedding.dtype=bfloat16"])
    data = load_dataset(recipe)
    with EmbeddingProgress(None) as progress:
        embedder = build(recipe.plugins["embedding"], progress)
        progress.task("item titles", data.n_items)
        titles = embedder.embed(data.item_text["title"][1:], recipe.config.embedding.batch_size)
    items = np.vstack([np.zeros((1, titles.shape[1]), np.float32), titles])
    units = user_units(data, "prefix", recipe.config.data.max_len)
    cumulative = np.vstack([np.zeros((1, items.shape[1])), np.cumsum(items[data.items], axis=0, dtype=np.float64)])
    return l2_normalize((cumulative[units.end] - cumulative[units.start]).astype(np.float32))


SYNTHETIC_NOISE = 0.05  # per dimension, on unit vectors of dimension 384: a distance like a near neighbour's


@dataclass(frozen=True)
class Method:
    name: str
    store: str  # "exact" or "ivf"
    threads: int = 2
    processes: int = 1
    nprobe: int | None = None  # ivf: None = every cell
    nlist: int = 0  # ivf: 0 = the store's default

    def ivf_config(self, n: int):
        from sracl_cli.retrieval.stores.ivf import IvfConfig
        from sracl_cli.retrieval.topk import Settings

        every_cell = Settings(self.nlist, 1, 0, 1).cells_for(n)
        return IvfConfig(nlist=self.nlist, nprobe=self.nprobe or every_cell, processes=self.processes)


def run_method(method: Method, path: str, n_queries: int) -> dict:
    """In a child process: the top-K table of the first n_queries vectors (self excluded), seconds, peak MiB."""
    import torch

    torch.set_num_threads(method.threads)
    vectors = np.load(path)
    memory = PeakMemory()
    memory.start()
    ids = np.arange(len(vectors), dtype=np.int64)
    started = time.perf_counter()
    if method.store == "exact":
        from sracl_cli.retrieval.stores.exact import ExactStore

        store = ExactStore()
    else:
        from sracl_cli.retrieval.stores.ivf import IvfStore

        store = IvfStore(method.ivf_config(len(vectors)), torch.device("cpu"))
    store.upsert(ids, vectors)
    table = store.query(vectors[:n_queries], K + 1)[0]
    seconds = time.perf_counter() - started
    return {"table": _drop_self(table, ids[:n_queries]), "seconds": seconds, "peak_mib": memory.peak_mib()}


def _drop_self(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The first K ids of each row that are not the query itself."""
    keep = table != ids[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :K]
    return np.take_along_axis(table, order, axis=1)


def methods(n: int, args: argparse.Namespace, compare_sharding: bool) -> list[Method]:
    found = [Method("exact", "exact")] if n <= args.exact_up_to else []
    found += [Method("ivf, every cell", "ivf", threads=1, processes=2)] if n <= args.every_cell_up_to else []
    found += [ivf_method(cells, p) for cells in args.nlist for p in args.nprobe]
    if compare_sharding:
        found += [ivf_method(args.nlist[0], args.nprobe[0], threads, 1) for threads in (2, 1)]
    return found


def ivf_method(nlist: int, nprobe: int, threads: int = 1, processes: int = 2) -> Method:
    name = f"ivf nlist {nlist} nprobe {nprobe}" if nlist else f"ivf nprobe {nprobe}"
    return Method(name, "ivf", threads, processes, nprobe, nlist)


def beauty_vectors(args: argparse.Namespace) -> np.ndarray:
    if args.quick:
        return proxy_unit_vectors(QUICKSTART, QUICK_OVERRIDES)
    if args.vectors is not None and args.vectors.is_file():
        return np.load(args.vectors)
    vectors = proxy_unit_vectors(REPO / "recipes" / "beauty.toml", [])
    if args.vectors is not None:
        np.save(args.vectors, vectors)
    return vectors


def synthetic(real: np.ndarray, n: int) -> np.ndarray:
    from sracl_cli.vectors import l2_normalize

    rng = np.random.default_rng(1)
    picked = real[rng.integers(0, len(real), n)]
    return l2_normalize(picked + rng.standard_normal(picked.shape, dtype=np.float32) * SYNTHETIC_NOISE)


def sampled_exact(vectors: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Exact top-K (self excluded) of the sampled queries against every vector."""
    from sracl_cli.retrieval.stores.exact import ExactStore

    store = ExactStore()
    store.upsert(np.arange(len(vectors)), vectors)
    return _drop_self(store.query(vectors[sample], K + 1)[0], sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000, 176_139])
    parser.add_argument("--synthetic", type=int, nargs="*", default=[1_000_000], help="synthetic sizes (rows)")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[32, 48])
    parser.add_argument("--nlist", type=int, nargs="+", default=[0], help="ivf cells (0: the store's default)")
    parser.add_argument("--exact-up-to", type=int, default=50_000, help="largest N whose full exact table is timed")
    parser.add_argument("--every-cell-up-to", type=int, default=20_000, help="largest N searched with every cell")
    parser.add_argument("--sharding-at", type=int, default=50_000, help="N at which 1 process is compared with 2")
    parser.add_argument("--query-limit", type=int, default=20_000, help="queries searched for synthetic rows")
    parser.add_argument("--sample", type=int, default=1000, help="queries whose recall is measured")
    parser.add_argument("--vectors", type=Path, help="cache of the Beauty unit vectors (.npy)")
    common_arguments(parser)
    args = parser.parse_args()
    from sracl_cli.retrieval.recall import recall_at_k, sample_queries

    real = beauty_vectors(args)
    shuffled = real[np.random.default_rng(0).permutation(len(real))]
    rows = [(n, False) for n in ([len(real)] if args.quick else args.sizes)] + [(n, True) for n in args.synthetic]
    if args.quick:
        rows, args.exact_up_to, args.every_cell_up_to, args.sharding_at = rows[:1], len(real), len(real), len(real)
    context = multiprocessing.get_context("spawn")
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        for n, is_synthetic in rows:
            vectors = synthetic(real, n) if is_synthetic else shuffled[:n]
            n_queries = min(n, args.query_limit) if is_synthetic else n
            path = str(Path(scratch) / f"vectors_{n}.npy")
            np.save(path, vectors)
            sample = sample_queries(n_queries, args.sample)
            exact = sampled_exact(vectors, sample)
            for method in methods(n, args, n == args.sharding_at):
                with ProcessPoolExecutor(1, mp_context=context) as pool:
                    result = pool.submit(run_method, method, path, n_queries).result()
                recall = recall_at_k(result.pop("table")[sample], exact, vectors[sample], vectors)
                seconds_all = result["seconds"] * n / n_queries
                runs.append({"n": n, "synthetic": is_synthetic, "method": method.name, "threads": method.threads,
                             "processes": method.processes, "queries_searched": n_queries,
                             "seconds_all_queries": seconds_all, "recall_at_10": recall,
                             "load_average_1m": os.getloadavg()[0], **result})
                print(f"N={n} {method.name} ({method.processes} x {method.threads}): {seconds_all:.1f}s "
                      f"recall {recall:.4f} load {os.getloadavg()[0]:.1f}", flush=True)
                save_results("neighbors", args, None, {"k": K, "dim": int(real.shape[1]), "runs": runs})  # so far
    table_rows = [[f"{r['n']:,}{' (synthetic)' if r['synthetic'] else ''}", r["method"],
                   f"{r['processes']} x {r['threads']}", f"{r['seconds_all_queries']:.1f}"
                   + ("" if r["queries_searched"] == r["n"] else " *"), f"{r['peak_mib']:,.0f}",
                   f"{r['recall_at_10']:.4f}", f"{r['load_average_1m']:.1f}"] for r in runs]
    table = make_table(f"All-pairs top-{K}, dim {real.shape[1]} (* = scaled from {args.query_limit:,} queries)",
                       ["N", "method", "procs x threads", "seconds", "peak MiB", "recall@10", "load"], table_rows)
    save_results("neighbors", args, table, {"k": K, "dim": int(real.shape[1]), "runs": runs})


if __name__ == "__main__":
    main()
