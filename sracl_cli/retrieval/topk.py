"""Top-k cosine search at scale: k-means cells, a bf16 GEMM candidate pass, an fp32 re-rank.

The stored vectors are split into `nlist` cells by spherical k-means; every query probes its `nprobe`
nearest cells. Queries are taken in blocks, and a block is scored cell by cell: one dense bfloat16 GEMM of
the cell against the block's queries that probe it (CPUs with AVX-512 BF16 run it at about twice
float32's speed). A score bound from each query's nearest cells keeps only the few scores per query and
cell that can still make its best k + rerank (`best_candidates`); those are re-scored in float32, and ties
in that score go to the lower stored row, so the result does not depend on how the queries are blocked or
sharded. With nprobe = nlist every query sees every vector (brute force in bfloat16), and only a neighbour
that bfloat16 rounding ranks below k + rerank can be missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

KMEANS_ITERATIONS = 10
KMEANS_SAMPLE_PER_CELL = 32  # training points per cell (faiss trains on up to 256)
ASSIGN_BLOCK = 8192  # rows scored against the centroids at once
BOUND_PROBES = 4  # nearest cells whose top-k gives a query's score bound (best_candidates)
RERANK_ROWS = 256  # queries re-scored at once (rescored)


@dataclass(frozen=True)
class Settings:
    nlist: int  # cells; 0: auto (sqrt(n) / 2: cells of 2 sqrt(n) vectors, long rows for the per-cell top-k)
    nprobe: int  # cells each query probes
    rerank: int  # candidates beyond k re-scored in float32
    block_rows: int  # queries per block
    seed: int = 0

    def cells_for(self, n: int) -> int:
        return max(1, min(n, self.nlist or round(n**0.5 / 2)))


@dataclass(frozen=True)
class CellIndex:
    """The stored vectors (unit length) grouped by cell: rows `offsets[c]:offsets[c + 1]` of `vectors`
    are cell c's, `rows` maps them back to the caller's row order."""

    centroids: torch.Tensor  # float32 [nlist, d]
    rows: np.ndarray  # int64 [n]
    offsets: np.ndarray  # int64 [nlist + 1]
    vectors: torch.Tensor  # float32 [n, d], in cell order
    vectors_bf16: torch.Tensor  # the same in bfloat16

    @classmethod
    def from_arrays(cls, centroids: np.ndarray, rows: np.ndarray, offsets: np.ndarray, vectors: np.ndarray,
                    device: torch.device) -> CellIndex:
        ordered = torch.from_numpy(np.array(vectors, dtype=np.float32)).to(device)  # a copy: may be memory-mapped
        return cls(torch.from_numpy(np.array(centroids)).to(device), np.array(rows), np.array(offsets),
                   ordered, ordered.to(torch.bfloat16))

    @property
    def rows_tensor(self) -> torch.Tensor:
        return torch.from_numpy(self.rows).to(self.vectors.device)


def build_index(vectors: np.ndarray, settings: Settings, device: torch.device) -> CellIndex:
    data = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(device)
    centroids = kmeans(data, settings.cells_for(len(data)), settings.seed)
    cell = nearest_cells(data, centroids, 1)[:, 0].cpu().numpy()
    rows = np.argsort(cell, kind="stable")
    offsets = np.searchsorted(cell[rows], np.arange(len(centroids) + 1))
    return CellIndex.from_arrays(centroids.cpu().numpy(), rows, offsets, vectors[rows], device)


def kmeans(data: torch.Tensor, nlist: int, seed: int) -> torch.Tensor:
    """Spherical k-means (Lloyd, fixed iterations) on a seeded sample; an empty cell restarts at a sample point."""
    rng = np.random.default_rng(seed)
    sample_size = min(len(data), nlist * KMEANS_SAMPLE_PER_CELL)
    sample = data[torch.from_numpy(np.sort(rng.choice(len(data), sample_size, replace=False))).to(data.device)]
    centroids = sample[torch.from_numpy(rng.choice(sample_size, nlist, replace=False)).to(data.device)].clone()
    for _ in range(KMEANS_ITERATIONS):
        cell = nearest_cells(sample, centroids, 1)[:, 0]
        sums = torch.zeros_like(centroids).index_add_(0, cell, sample)
        counts = torch.bincount(cell, minlength=nlist)
        empty = torch.nonzero(counts == 0).flatten()
        sums[empty] = sample[torch.from_numpy(rng.choice(sample_size, len(empty))).to(data.device)]
        centroids = torch.nn.functional.normalize(sums, dim=1)
    return centroids


def nearest_cells(queries: torch.Tensor, centroids: torch.Tensor, nprobe: int) -> torch.Tensor:
    """int64 [n, nprobe]: each query's most similar centroids, best first."""
    nprobe = min(nprobe, len(centroids))
    centroids = centroids.to(torch.bfloat16)  # which cells, not how similar: bfloat16 precision is plenty
    found = [torch.topk(queries[start : start + ASSIGN_BLOCK].to(torch.bfloat16) @ centroids.T, nprobe, dim=1).indices
             for start in range(0, len(queries), ASSIGN_BLOCK)]
    return torch.cat(found) if found else torch.zeros((0, nprobe), dtype=torch.int64, device=queries.device)


def search_block(index: CellIndex, queries: torch.Tensor, probes: torch.Tensor, k: int,
                 rerank: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows int64 [b, k] into the caller's stored order, -1 where fewer than k; float32 scores [b, k])."""
    kept = best_candidates(index, queries, probes, k + rerank)
    missing, positions = kept < 0, kept.clamp(min=0)
    exact = rescored(index.vectors, queries, positions).masked_fill(missing, -torch.inf)
    # Candidates in stored-row order first, so that the stable sort by score puts the lower row first among ties.
    stored_rows, order = torch.sort(torch.where(missing, len(index.rows), index.rows_tensor[positions]), dim=1)
    best = torch.sort(torch.gather(exact, 1, order), dim=1, descending=True, stable=True)
    found = min(k, kept.shape[1])
    rows = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    rows[:, :found] = torch.gather(stored_rows, 1, best.indices[:, :found]).cpu().numpy()
    scores[:, :found] = best.values[:, :found].cpu().numpy()
    rows[~np.isfinite(scores)] = -1
    return rows, scores


def rescored(vectors: torch.Tensor, queries: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """float32 scores [b, m] of each query against its candidate positions [b, m], RERANK_ROWS queries at a
    time through one reused buffer (one fresh [b·m, d] gather spent most of its time faulting in new pages)."""
    m = candidates.shape[1]
    buffer = vectors.new_empty(RERANK_ROWS * m, vectors.shape[1])
    parts = []
    for rows, block in zip(candidates.split(RERANK_ROWS), queries.split(RERANK_ROWS)):
        gathered = torch.index_select(vectors, 0, rows.flatten(), out=buffer[: rows.numel()])
        parts.append(torch.bmm(gathered.view(len(rows), m, -1), block[:, :, None])[:, :, 0])
    return torch.cat(parts) if parts else queries.new_zeros((0, m))


def best_candidates(index: CellIndex, queries: torch.Tensor, probes: torch.Tensor, keep: int) -> torch.Tensor:
    """Cell-order positions [b, keep] of each query's best `keep` vectors in its probed cells by bf16 score
    (ties: the lower position), -1 where the probed cells hold fewer.

    A top-k over the short rows of one cell costs several times the GEMM that scores them, so only the
    query's BOUND_PROBES nearest cells get one; the keep-th best score found there is a bound that the
    query's final keep-th best cannot be below. The other probed cells keep only the scores at or above
    the bound (a few per query and cell), and one sort of everything kept picks each query's best.
    """
    b = len(queries)
    queries_bf16 = queries.to(torch.bfloat16)
    first = min(BOUND_PROBES, probes.shape[1])
    found = []
    for owners, scores, start in cell_scores(index, queries_bf16, probes[:, :first]):
        top = torch.topk(scores, min(keep, scores.shape[1]), dim=1)
        found.append((owners[:, None].expand_as(top.indices).flatten(), (top.indices + start).flatten(),
                       top.values.flatten()))
    bound = top_per_query(found, b, keep, queries.device)[1][:, -1]  # -inf where the first cells held < keep
    for owners, scores, start in cell_scores(index, queries_bf16, probes[:, first:]):
        row, column = torch.nonzero(scores >= bound[owners, None], as_tuple=True)
        found.append((owners[row], column + start, scores[row, column]))
    return top_per_query(found, b, keep, queries.device)[0]


def cell_scores(index: CellIndex, queries_bf16: torch.Tensor, probes: torch.Tensor):
    """(owners, bf16 scores [owners, cell size], the cell's first position) for every probed cell: one GEMM
    of the cell against the block's queries (`owners`) that probe it."""
    flat = probes.flatten()
    by_cell = torch.argsort(flat, stable=True)
    bounds = np.concatenate([[0], torch.bincount(flat, minlength=len(index.centroids)).cumsum(0).cpu().numpy()])
    for cell in np.flatnonzero(np.diff(bounds)):
        start, stop = int(index.offsets[cell]), int(index.offsets[cell + 1])
        if stop > start:
            owners = by_cell[bounds[cell] : bounds[cell + 1]] // probes.shape[1]
            yield owners, queries_bf16[owners] @ index.vectors_bf16[start:stop].T, start


def top_per_query(found: list, b: int, keep: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Each query's `keep` highest-scoring (query, position, score) triples, ties to the lower position:
    positions int64 [b, keep] (-1 where fewer) and their bf16 scores (-inf there)."""
    kept = torch.full((b, keep), -1, dtype=torch.int64, device=device)
    kept_scores = torch.full((b, keep), -torch.inf, dtype=torch.bfloat16, device=device)
    if not found:
        return kept, kept_scores
    query, position, score = (torch.cat(part) for part in zip(*found))
    order = torch.argsort(position, stable=True)  # then by score, then by query, each stable
    order = order[torch.argsort(score[order], descending=True, stable=True)]
    order = order[torch.argsort(query[order], stable=True)]
    query, position, score = query[order], position[order], score[order]
    rank = torch.arange(len(query), device=device) - torch.searchsorted(query, torch.arange(b, device=device))[query]
    within = rank < keep
    kept[query[within], rank[within]] = position[within]
    kept_scores[query[within], rank[within]] = score[within]
    return kept, kept_scores


def search(index: CellIndex, queries: np.ndarray, k: int, settings: Settings, shard: tuple[int, int] = (0, 1),
           progress=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k of the blocks `shard = (rank, world)` owns (blocks rank, rank + world, ...).

    Returns (done: bool [n], rows int64 [n, k], scores float32 [n, k]); rows other shards own stay -1 / -inf.
    `progress(n_queries)` is called after each block.
    """
    data = torch.from_numpy(np.array(queries, dtype=np.float32)).to(index.vectors.device)  # a copy: may be mapped
    done = np.zeros(len(queries), dtype=bool)
    rows = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    rank, world = shard
    for start in range(rank * settings.block_rows, len(queries), world * settings.block_rows):
        block = slice(start, start + settings.block_rows)
        probes = nearest_cells(data[block], index.centroids, settings.nprobe)
        rows[block], scores[block] = search_block(index, data[block], probes, k, settings.rerank)
        done[block] = True
        if progress is not None:
            progress(int(done[block].sum()))
    return done, rows, scores
