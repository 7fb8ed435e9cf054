"""The LLM response cache: one SQLite file (WAL mode), shared by recipes, outside every provider.

A reply is keyed by the sha256 of the canonical JSON of the provider's identity (`ProviderSpec.identity`: for
`litellm`, provider, model, api_base when set, temperature, top_p, max_tokens; never a key), the messages,
and the response format when one is set.
Each reply is committed as it arrives, so a killed run loses only the calls in flight. Calls that failed after
their retries go to `failures`, never to `responses`; the next run asks for them again and clears them when they
succeed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sracl_cli.errors import UsageError
from sracl_cli.semantic.providers.protocol import Result

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

CACHE_FILE = "llm_cache.sqlite"
LOOKUP_CHUNK = 500  # keys per `IN (...)` query, below SQLite's bound-parameter limit

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    latency_s REAL NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_time TEXT NOT NULL
);
"""


def cache_path(recipe: Recipe) -> Path:
    """`llm.cache`, else `llm_cache.sqlite` beside the run directory (runs/), shared by every recipe."""
    return recipe.config.llm.cache or recipe.run_dir.parent / CACHE_FILE


def cache_key(
    identity: dict[str, Any], messages: list[dict[str, str]], response_format: dict[str, Any] | None = None
) -> str:
    keyed: dict[str, Any] = {"identity": identity, "messages": messages}
    if response_format is not None:  # absent rather than null: keys made before formats existed stay valid
        keyed["response_format"] = response_format
    canonical = json.dumps(keyed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@contextmanager
def named_on_failure(path: Path) -> Iterator[None]:
    """SQLite's errors as one line naming the cache file and what to do; a locked database is not damage."""
    try:
        yield
    except sqlite3.OperationalError as error:
        raise UsageError(f"{path}: the LLM response cache cannot be used ({error}); check the file and its folder "
                         "are writable, or set llm.cache to another path") from None
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{path}: the LLM response cache is damaged ({error}); restore it from a copy, or move it "
                         "aside and run `sracl embed` again (the replies it held are asked for again)") from None


class ResponseCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with named_on_failure(path):
            # Another recipe may write the same file at the same time: wait for its lock rather than fail.
            self._db = sqlite3.connect(path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the process being killed; only a power cut can lose the last ones.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def lookup(self, keys: Iterable[str]) -> dict[str, str]:
        """The cached text of every key that has one."""
        keys = list(keys)
        found: dict[str, str] = {}
        with named_on_failure(self.path):
            for begin in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[begin : begin + LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(self._db.execute(f"SELECT key, text FROM responses WHERE key IN ({marks})", chunk))
        return found

    def store(self, result: Result) -> None:
        with named_on_failure(self.path), self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    result.key,
                    result.text,
                    result.prompt_tokens,
                    result.completion_tokens,
                    result.cost,
                    result.latency_s,
                    _now(),
                ),
            )
            self._db.execute("DELETE FROM failures WHERE key = ?", (result.key,))

    def store_failure(self, result: Result) -> None:
        with named_on_failure(self.path), self._db:
            self._db.execute(
                "INSERT INTO failures VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "error = excluded.error, attempts = attempts + excluded.attempts, last_time = excluded.last_time",
                (result.key, result.error, result.attempts, _now()),
            )

    def counts(self) -> dict[str, int]:
        count = "SELECT COUNT(*) FROM {}"
        with named_on_failure(self.path):
            return {table: self._db.execute(count.format(table)).fetchone()[0] for table in ("responses", "failures")}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
