"""The `exact` store: brute-force cosine top-k with torch, in memory.

Queries are scored in blocks sized so that one block's score matrix stays under SCORE_BUDGET floats;
an n x n similarity matrix is never built.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from sracl_cli.retrieval.stores.memory import MemoryVectors
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


class ExactStore(MemoryVectors):
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
