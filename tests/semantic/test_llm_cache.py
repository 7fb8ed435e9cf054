"""The SQLite response cache: keys, replies, failures, WAL mode."""

from __future__ import annotations

import sqlite3

from sracl_cli.semantic.cache import ResponseCache, cache_key
from sracl_cli.semantic.providers.protocol import Result

IDENTITY = {"provider": "litellm", "model": "m", "temperature": 0.0, "top_p": 0.001, "max_tokens": 256}
MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "ü"}]


def test_key_is_canonical_and_covers_settings_and_messages():
    key = cache_key(IDENTITY, MESSAGES)
    assert key == cache_key(dict(reversed(IDENTITY.items())), [dict(reversed(m.items())) for m in MESSAGES])
    assert len(key) == 64
    assert key != cache_key({**IDENTITY, "temperature": 0.5}, MESSAGES)
    assert key != cache_key({**IDENTITY, "api_base": "http://localhost:8000/v1"}, MESSAGES)
    assert key != cache_key(IDENTITY, MESSAGES[1:])


def test_replies_survive_reopening_and_failures_stay_apart(tmp_path):
    path = tmp_path / "sub" / "cache.sqlite"
    with ResponseCache(path) as cache:
        cache.store(Result("a", text="reply a", prompt_tokens=3, completion_tokens=2, cost=0.5, latency_s=0.1))
        cache.store_failure(Result("b", error="boom", attempts=3))
        cache.store_failure(Result("b", error="boom again", attempts=2))
        assert cache.lookup(["a", "b", "c"]) == {"a": "reply a"}
    with ResponseCache(path) as cache:
        assert cache.counts() == {"responses": 1, "failures": 1}
        assert cache.lookup(["b"]) == {}
        cache.store(Result("b", text="reply b"))
        assert cache.counts() == {"responses": 2, "failures": 0}
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT key, text, prompt_tokens, cost FROM responses ORDER BY key").fetchall() == [
        ("a", "reply a", 3, 0.5),
        ("b", "reply b", 0, 0.0),
    ]


def test_failure_attempts_accumulate_across_runs(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        cache.store_failure(Result("k", error="first", attempts=3))
        cache.store_failure(Result("k", error="second", attempts=6))
        row = cache._db.execute("SELECT error, attempts FROM failures").fetchone()
    assert row == ("second", 9)


def test_lookup_handles_more_keys_than_one_query_takes(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for i in range(1200):
            cache.store(Result(str(i), text=f"t{i}"))
        found = cache.lookup(str(i) for i in range(0, 2400, 2))
    assert len(found) == 600 and found["1198"] == "t1198"
