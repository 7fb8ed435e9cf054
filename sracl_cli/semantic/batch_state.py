"""The state of batch LLM jobs, kept in the response cache's SQLite file (table `batch_shards`).

One row per shard: the uploaded input file, the batch made from it (NULL in the moment between creating the
batch and saving its id; `batch.py` then finds it by its input file), the api_base it went to, the cache
keys it asks for, and whether its results are folded into the cache. Every change is committed at once, so
a run killed at any point leaves a state the next run resumes from: it polls the shards not yet folded
instead of submitting their requests again. Keeping it in the cache file puts what was paid for and what is
being paid for in one place, under the cache's own locking and damage checks.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sracl_cli.semantic.cache import named_on_failure

SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_shards (
    input_file_id TEXT PRIMARY KEY,
    batch_id TEXT,
    api_base TEXT NOT NULL,
    keys TEXT NOT NULL,
    created TEXT NOT NULL,
    folded INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass
class Shard:
    input_file_id: str
    batch_id: str | None
    keys: list[str]


class BatchJobs:
    def __init__(self, cache_file: Path):
        self.path = cache_file
        with named_on_failure(cache_file):
            self._db = sqlite3.connect(cache_file, timeout=60)
            self._db.executescript(SCHEMA)

    def __enter__(self) -> BatchJobs:
        return self

    def __exit__(self, *exc) -> None:
        self._db.close()

    def pending(self, api_base: str | None) -> list[Shard]:
        """Shards sent to `api_base` whose results are not folded into the cache yet, oldest first."""
        with named_on_failure(self.path):
            rows = self._db.execute(
                "SELECT input_file_id, batch_id, keys FROM batch_shards WHERE folded = 0 AND api_base = ? "
                "ORDER BY created, rowid", (api_base or "",)).fetchall()
        return [Shard(file_id, batch_id, json.loads(keys)) for file_id, batch_id, keys in rows]

    def add(self, input_file_id: str, api_base: str | None, keys: list[str]) -> Shard:
        self._write("INSERT INTO batch_shards (input_file_id, api_base, keys, created) VALUES (?, ?, ?, ?)",
                    input_file_id, api_base or "", json.dumps(keys), time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        return Shard(input_file_id, None, keys)

    def set_batch(self, shard: Shard, batch_id: str) -> None:
        self._write("UPDATE batch_shards SET batch_id = ? WHERE input_file_id = ?", batch_id, shard.input_file_id)
        shard.batch_id = batch_id

    def mark_folded(self, shard: Shard) -> None:
        self._write("UPDATE batch_shards SET folded = 1 WHERE input_file_id = ?", shard.input_file_id)

    def _write(self, sql: str, *values) -> None:
        with named_on_failure(self.path), self._db:
            self._db.execute(sql, values)
