"""The vectors of an in-memory store (`exact`, `ivf`): ids and L2-normalised rows, the last write of an id kept."""

from __future__ import annotations

import numpy as np

from sracl_cli.vectors import l2_normalize


class MemoryVectors:
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
