"""The `ivf` store: k-means cells + a bf16 GEMM candidate pass + an fp32 re-rank (torch, in memory).

For all-pairs tables too large for the exact store in time (see `sracl_cli.retrieval.topk`, and
docs/SCALING.md for the measurements). Approximate, so the index stage checks its recall. The cell index
is built on the first query after an upsert. Query blocks run in `processes` spawned workers, or on the
ranks of torch.distributed when sracl runs under torchrun, and on CUDA when `device` picks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.retrieval.stores.memory import MemoryVectors
from sracl_cli.retrieval.stores.protocol import MISSING, StoreSpec
from sracl_cli.vectors import l2_normalize

if TYPE_CHECKING:  # torch is imported when the store opens, not when its entry point loads
    import torch

    from sracl_cli.retrieval.topk import CellIndex


class IvfConfig(BaseModel):
    """The `ivf` store's keys of the recipe's [index] section."""

    model_config = ConfigDict(extra="forbid")

    nlist: int = Field(0, ge=0, description="k-means cells; 0: sqrt(n) / 2")
    nprobe: int = Field(32, gt=0, description="cells each query probes (nprobe >= nlist: every vector)")
    rerank: int = Field(16, ge=0, description="candidates beyond k re-scored in float32")
    query_block: int = Field(16384, gt=0, description="queries per block (memory: block x nprobe x (k + rerank))")
    processes: int = Field(1, gt=0, description="worker processes on CPU (under torchrun: the ranks instead)")
    device: str = Field("cpu", pattern=r"^(cpu|auto|cuda(:\d+)?)$")


class IvfStore(MemoryVectors):
    """The in-memory vectors; queries go through the cell index."""

    def __init__(self, config: IvfConfig, device: torch.device) -> None:
        from sracl_cli.retrieval.topk import Settings

        super().__init__()
        self._config, self._device = config, device
        self._settings = Settings(config.nlist, config.nprobe, config.rerank, config.query_block)
        self._index: CellIndex | None = None

    def upsert(self, ids: np.ndarray, vectors: np.ndarray, metadata: list[dict] | None = None) -> None:
        super().upsert(ids, vectors, metadata)
        self._index = None

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        from sracl_cli.retrieval.sharding import sharded_search
        from sracl_cli.retrieval.topk import build_index

        ids = np.full((len(vectors), k), MISSING, dtype=np.int64)
        if self.count() == 0 or len(vectors) == 0:
            return ids, np.full((len(vectors), k), -np.inf, dtype=np.float32)
        if self._index is None:
            assert self._vectors is not None  # count() > 0
            self._index = build_index(self._vectors, self._settings, self._device)
        rows, scores = sharded_search(self._index, l2_normalize(vectors), k, self._settings, self._config.processes)
        found = rows >= 0
        ids[found] = self._ids[rows[found]]
        return ids, scores


def open_store(config: IvfConfig, folder: Path, namespace: str, fingerprint: str) -> IvfStore:
    from sracl_cli.devices import pick_device

    return IvfStore(config, pick_device(config.device, "index.device"))


SPEC = StoreSpec(
    config_model=IvfConfig,
    open=open_store,
    recall_hint="raise index.nprobe (or index.rerank)",
    description="k-means cells, bf16 GEMM candidates + fp32 re-rank (torch; processes, torchrun ranks, CUDA)",
)
