"""Query blocks shared out: torchrun ranks when torch.distributed is initialised, else a pool of processes.

Under torch.distributed rank r takes blocks r, r + W, ... and an all-reduce hands every rank the whole
table (each row is filled by one rank; the others contribute zeros). A process pool does the same with W
spawned workers of one torch thread each, which read the cell index from .npy files in a temporary folder
(memory-mapped, nothing pickled but the settings) and send back their rows. Every block is computed by the
same code whatever the split, so the result equals the unsharded one.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from pathlib import Path

import numpy as np
import torch

from sracl_cli.retrieval.topk import CellIndex, Settings, search

INDEX_ARRAYS = ("centroids", "rows", "offsets", "vectors")


def distributed_shard() -> tuple[int, int] | None:
    """(rank, world size) when torch.distributed runs with more than one rank, else None."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_rank(), dist.get_world_size()
    return None


def sharded_search(index: CellIndex, queries: np.ndarray, k: int, settings: Settings,
                   processes: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows int64 [n, k], scores float32 [n, k]) of `topk.search`, shared out as the module docstring says."""
    shard = distributed_shard()
    if shard is not None:
        return all_reduced(*search(index, queries, k, settings, shard))
    if processes <= 1 or index.vectors.device.type != "cpu":
        return search(index, queries, k, settings)[1:]
    return pooled(index, queries, k, settings, processes)


def all_reduced(done: np.ndarray, rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch.distributed as dist

    mine = torch.from_numpy(done)[:, None]
    parts = [torch.where(mine, torch.from_numpy(rows), 0), torch.where(mine, torch.from_numpy(scores), 0.0)]
    for part in parts:
        dist.all_reduce(part)
    return parts[0].numpy(), parts[1].numpy()


def pooled(index: CellIndex, queries: np.ndarray, k: int, settings: Settings,
           processes: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="sracl-topk-") as folder:
        save_index(Path(folder), index, queries)
        jobs = [(folder, k, settings, (rank, processes)) for rank in range(processes)]
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            for done, shard_rows, shard_scores in pool.imap_unordered(search_shard, jobs):
                rows[done], scores[done] = shard_rows[done], shard_scores[done]
    return rows, scores


def save_index(folder: Path, index: CellIndex, queries: np.ndarray) -> None:
    arrays = {"centroids": index.centroids.cpu().numpy(), "rows": index.rows, "offsets": index.offsets,
              "vectors": index.vectors.cpu().numpy(), "queries": np.asarray(queries, dtype=np.float32)}
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array)


def search_shard(job: tuple[str, int, Settings, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """In a worker: one shard's blocks, on one torch thread (the workers share the cores)."""
    folder, k, settings, shard = job
    torch.set_num_threads(1)
    centroids, rows, offsets, vectors = (np.load(Path(folder) / f"{name}.npy", mmap_mode="r") for name in INDEX_ARRAYS)
    index = CellIndex.from_arrays(centroids, rows, offsets, vectors, torch.device("cpu"))
    return search(index, np.load(Path(folder) / "queries.npy", mmap_mode="r"), k, settings, shard)
