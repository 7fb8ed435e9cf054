"""All-pairs top-10 neighbour search over N unit vectors: exact (torch, blocked), Chroma HNSW at several
search_ef values, and faiss-cpu (HNSW) when it is installed. Wall time, peak memory (above the loaded
vectors, imports included) and recall@10 vs exact.
Run by hand (results in bench/results/neighbors.json):

    SRACL_DATA=/work/shared/data .venv/bin/python bench/neighbors.py [--sizes 20000 50000 176139] [--ef 100 200]

Vectors: Beauty's 176,139 prefix units (recipes/beauty.toml), each the normalised mean of its items' MiniLM
title vectors (embedding every unit text takes ~2.5 h on 2 cores; search cost depends on N and d, not on where the
vectors came from). N < 176,139 takes the first N of a fixed shuffle. `--quick`: the bundled sample's 4-core,
1,000 units. Each (method, N) runs in its own process so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
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


def search(method: str, ef: int | None, path: str, scratch: str) -> dict:
    """In a child process: the top-K table of every vector (self excluded), seconds and peak MiB above the load."""
    vectors = np.load(path)
    memory = PeakMemory()
    memory.start()
    ids = np.arange(len(vectors), dtype=np.int64)
    started = time.perf_counter()
    build_s = 0.0
    if method == "faiss":
        table, build_s = _faiss(vectors, ef)
    else:
        store = _store(method, ef, scratch, len(vectors))
        store.upsert(ids, vectors)
        build_s = time.perf_counter() - started
        table = store.query(vectors, K + 1)[0]
    seconds = time.perf_counter() - started
    return {"table": _drop_self(table, ids), "seconds": seconds, "build_s": build_s, "peak_mib": memory.peak_mib()}


def _store(method: str, ef: int | None, scratch: str, n: int):
    if method == "exact":
        from sracl_cli.retrieval.stores.exact import ExactStore

        return ExactStore()
    from sracl_cli.retrieval.stores import chroma

    config = chroma.ChromaConfig(hnsw_search_ef=ef)
    return chroma.open_store(config, Path(scratch), f"bench-{n}-{ef}", f"{n}-{ef}")


def _faiss(vectors: np.ndarray, ef: int) -> tuple[np.ndarray, float]:
    import faiss

    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 200
    index.add(vectors)
    build_s = time.perf_counter() - started
    index.hnsw.efSearch = ef
    return index.search(vectors, K + 1)[1].astype(np.int64), build_s


def _drop_self(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The first K ids of each row that are not the query itself."""
    keep = table != ids[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :K]
    return np.take_along_axis(table, order, axis=1)


def methods(ef_values: list[int]) -> list[tuple[str, int | None]]:
    found = [("exact", None)] + [("chroma", ef) for ef in ef_values]
    try:
        import faiss  # noqa: F401
    except ImportError:
        return found
    return found + [("faiss", ef) for ef in ef_values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000, 176_139])
    parser.add_argument("--ef", type=int, nargs="+", default=[100, 200])
    common_arguments(parser)
    args = parser.parse_args()
    from sracl_cli.retrieval.recall import recall_at_k

    if args.quick:
        all_vectors, sizes = proxy_unit_vectors(QUICKSTART, QUICK_OVERRIDES), [1000]
    else:
        all_vectors, sizes = proxy_unit_vectors(REPO / "recipes" / "beauty.toml", []), args.sizes
    shuffled = all_vectors[np.random.default_rng(0).permutation(len(all_vectors))]
    context = multiprocessing.get_context("spawn")
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            vectors = shuffled[:n]
            path = str(Path(scratch) / f"vectors_{n}.npy")
            np.save(path, vectors)
            exact = None
            for method, ef in methods(args.ef):
                with context.Pool(1) as pool:
                    result = pool.apply(search, (method, ef, path, scratch))
                exact = result["table"] if method == "exact" else exact
                recall = recall_at_k(result.pop("table"), exact, vectors, vectors)
                runs.append({"n": n, "method": method, "ef_search": ef, "recall_at_10": recall, **result})
                print(f"N={n} {method} ef={ef}: {result['seconds']:.1f}s recall {recall:.4f}", flush=True)
                save_results("neighbors", args, None, {"k": K, "dim": int(shuffled.shape[1]), "runs": runs})  # so far
    rows = [[f"{r['n']:,}", r["method"], str(r["ef_search"] or ""), f"{r['build_s']:.1f}", f"{r['seconds']:.1f}",
             f"{r['peak_mib']:,.0f}", f"{r['recall_at_10']:.4f}"] for r in runs]
    table = make_table(f"All-pairs top-{K}, dim {shuffled.shape[1]}",
                       ["N", "method", "search_ef", "build s", "total s", "peak MiB", "recall@10"], rows)
    save_results("neighbors", args, table, {"k": K, "dim": int(shuffled.shape[1]), "runs": runs})


if __name__ == "__main__":
    main()
