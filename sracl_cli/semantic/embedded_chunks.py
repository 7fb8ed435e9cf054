"""Embedding in chunks that are kept as they finish, so that an interrupted `sracl embed` resumes.

The texts are put longest first (the order the built-in embedders batch in) and handed to the embedder a
chunk of `CHUNK_BATCHES` whole batches at a time. Each finished chunk is committed to a hidden SQLite file in
the embed folder, keyed by the sha256 of the embedder's identity (its name and keys of [embedding], the batch
size) and the chunk's texts; the next run of the same stage reads those chunks back instead of embedding (or,
for a hosted embedder, paying for) them again. Because every chunk is whole batches of an already sorted list,
each batch holds the texts it would hold in one uninterrupted call, so the vectors are the same bit for bit.
The file is removed once the stage has written its outputs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from sracl_cli.errors import UsageError
from sracl_cli.semantic.embedders.protocol import Embedder, longest_first

KEPT_FILE = ".embedded_chunks.sqlite"
CHUNK_BATCHES = 16  # a killed run loses at most this many batches of work

SCHEMA = "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, rows INTEGER, dim INTEGER, vectors BLOB)"


class KeptChunks:
    """The chunks an earlier run of this stage finished; `recalled` counts texts read back, not embedded."""

    def __init__(self, path: Path, identity: dict[str, Any]):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.recalled = 0
        self._identity = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        try:
            self._db = sqlite3.connect(path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{path}: the kept embedding chunks cannot be read ({error}); delete the file and "
                             "run `sracl embed` again (the chunks it held are embedded again)") from None

    def __enter__(self) -> KeptChunks:
        return self

    def __exit__(self, *exc) -> None:
        self._db.close()

    def recall(self, texts: list[str]) -> np.ndarray | None:
        row = self._db.execute("SELECT rows, dim, vectors FROM chunks WHERE key = ?", (self._key(texts),)).fetchone()
        if row is None:
            return None
        rows, dim, blob = row
        self.recalled += rows
        return np.frombuffer(blob, dtype=np.float32).reshape(rows, dim).copy()

    def keep(self, texts: list[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                             (self._key(texts), vectors.shape[0], vectors.shape[1], vectors.tobytes()))

    def remove(self) -> None:
        """Called once the stage's outputs are written: the vectors live in them now."""
        self._db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _key(self, texts: list[str]) -> str:
        canonical = self._identity + "\n" + json.dumps(texts, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def embed_in_chunks(embedder: Embedder, texts: list[str], batch_size: int, kept: KeptChunks,
                    progress) -> np.ndarray:
    """`embedder.embed(texts, batch_size)`, chunk by chunk, each chunk read from `kept` or embedded and kept."""
    if not texts:
        return embedder.embed(texts, batch_size)
    order = longest_first(texts)
    ordered = [texts[i] for i in order]
    size = batch_size * CHUNK_BATCHES
    parts = []
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        vectors = kept.recall(chunk)
        if vectors is None:
            vectors = embedder.embed(chunk, batch_size)
            kept.keep(chunk, vectors)
        elif progress is not None:
            progress(len(chunk))
        parts.append(vectors)
    result = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
    result[order] = np.concatenate(parts)
    return result
