"""The embedder contract, and the spec an `sracl.embedders` entry point provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from sracl_cli.registry import ConfigT, PluginSpec

Progress = Callable[[int], None]
"""Called with the number of texts just embedded."""


@runtime_checkable
class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        """float32 [len(texts), dim], every row of unit length."""


@dataclass(frozen=True, kw_only=True)
class EmbedderSpec(PluginSpec[ConfigT]):
    """`build(config, progress)` returns an Embedder; `config` is the embedder's own keys of the recipe's
    [embedding] section. Heavy libraries are imported inside `build`, never at entry-point load, so that
    listing plugins or validating a recipe stays fast."""

    build: Callable[[ConfigT, Progress | None], Embedder]


def longest_first(texts: list[str]) -> np.ndarray:
    """The order to batch `texts` in: longest first (stable), so that each batch pads to similar lengths."""
    return np.argsort([-len(text) for text in texts], kind="stable")


def in_batches(texts: list[str], batch_size: int, embed_batch: Callable[[list[str]], np.ndarray],
               progress: Progress | None) -> list[np.ndarray]:
    parts = []
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        parts.append(embed_batch(batch))
        if progress is not None:
            progress(len(batch))
    return parts
