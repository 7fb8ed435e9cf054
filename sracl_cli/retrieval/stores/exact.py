"""The `exact` store: brute-force cosine top-k with torch, in memory.

Queries are scored in blocks sized so that one block's score matrix stays under SCORE_BUDGET floats;
an n x n similarity matrix is never built.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from sracl_cli.retrieval.stores.protocol import MISSING, StoreSpec
from sracl_cli.vectors import l2_normalize

SCORE_BUDGET = 1 << 26  # floats in one block of scores: 256 MiB
MAX_BLOCK_ROWS = 4096


def query_block_rows(n_stored: int) -> int:
    """How many queries to score at once against `n_stored` vectors."""
    return max(1, min(MAX_BLOCK_ROWS, SCORE_BUDGET // max(n_stored, 1)))


class ExactConfig(BaseModel):
    """No keys of its own: any key in [index] besides sracl's core ones is an error."""

    model_config = ConfigDict(extra="forbid")


class ExactStore:
    def __init__(self) -> None:
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors: np.ndarray | None = None

    def upsert(self, ids: np.ndarray, vectors: np.ndarray, metadata: list[dict] | None = None) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        vectors = l2_normalize(vectors)
        if self._vectors is None:
            self._vectors = np.zeros((0, vectors.shape[1]), dtype=np.float32)
        all_ids = np.concatenate([self._ids, ids])
        all_vectors = np.concatenate([self._vectors, vectors])
        # Keep the last version of an id written twice.
        _, last = np.unique(all_ids[::-1], return_index=True)
        keep = np.sort(len(all_ids) - 1 - last)
        self._ids, self._vectors = all_ids[keep], all_vectors[keep]

    def count(self) -> int:
        return len(self._ids)

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        n = len(vectors)
        ids = np.full((n, k), MISSING, dtype=np.int64)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        found = min(k, self.count())
        if found == 0 or n == 0:
            return ids, scores
        stored = torch.from_numpy(self._vectors)
        queries = torch.from_numpy(l2_normalize(vectors))
        block = query_block_rows(self.count())
        for start in range(0, n, block):
            top = torch.topk(queries[start : start + block] @ stored.T, found, dim=1)
            scores[start : start + block, :found] = top.values.numpy()
            ids[start : start + block, :found] = self._ids[top.indices.numpy()]
        return ids, scores


def open_store(config: ExactConfig, folder: Path, namespace: str, fingerprint: str) -> ExactStore:
    return ExactStore()


SPEC = StoreSpec(
    config_model=ExactConfig,
    open=open_store,
    exact=True,
    description="brute-force cosine top-k with torch, in memory (no recall check needed)",
)
