"""The vector store contract, and the spec an `sracl.vector_stores` entry point provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from sracl_cli.registry import ConfigT, PluginSpec

MISSING = -1
"""The id in a query result row where a store found fewer than k vectors."""


@runtime_checkable
class VectorStore(Protocol):
    def upsert(self, ids: np.ndarray, vectors: np.ndarray, metadata: list[dict] | None = None) -> None:
        """Insert or replace vectors under integer ids."""

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 [n, k], cosine similarities float32 [n, k]), best first; MISSING pads short rows."""

    def count(self) -> int: ...


@dataclass(frozen=True, kw_only=True)
class StoreSpec(PluginSpec[ConfigT]):
    """`open(config, folder, namespace, fingerprint)` returns a VectorStore.

    `config` is the store's own keys of the recipe's [index] section, validated by `config_model` (the core
    keys `store`, `k`, `pool`, ... stay sracl's and never reach the store).
    `folder` is where an embedded store may persist itself; `namespace` names what is stored (e.g.
    `beauty-items`); `fingerprint` identifies the exact vectors, so a persistent store can hand back an
    already filled collection for the same vectors (check `count()`) and drop outdated ones of the namespace.
    Heavy libraries are imported inside `open`, never at entry-point load.
    """

    open: Callable[[ConfigT, Path, str, str], VectorStore]
    exact: bool = False  # an exact store needs no recall check
    recall_hint: str = ""  # what to change in [index] when the recall check finds recall too low

