"""LLM generation through the real LiteLLM client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_server import ALWAYS_FAIL_MARKER, FakeLLMServer, reply_text
from rich.console import Console
from semantic_helpers import KEY_ENV, cut_quickstart, data_section, litellm_recipe

from sracl_cli.data.load import load_dataset
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.semantic.generate import generate_texts, load_provider
from sracl_cli.semantic.prompts import build_prompts
from sracl_cli.semantic.providers import retry
from sracl_cli.semantic.providers.protocol import Request

pytestmark = pytest.mark.slow  # all but one test run generate_texts against a local LLM server

CHILD = """
import sys
from rich.console import Console
from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.generate import generate_texts

recipe = load_recipe(sys.argv[1])
generate_texts(recipe, load_dataset(recipe), Console(file=sys.stderr))
"""


@pytest.fixture
def api_key(monkeypatch) -> str:
    key = f"sk-test-{secrets.token_hex(16)}"
    monkeypatch.setenv(KEY_ENV, key)
    return key


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(retry, "BACKOFF_BASE_S", 0.01)


@pytest.fixture
def tiny(tmp_path) -> str:
    """[data] of the quickstart's first 8 users: 59 items, 52 prefix units."""
    return data_section(*cut_quickstart(tmp_path / "data", 8))


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def generate(recipe):
    return generate_texts(recipe, load_dataset(recipe), quiet())


def expected_texts(recipe):
    prompts = build_prompts(recipe, load_dataset(recipe))
    items = [""]
    for prompt in prompts.items:
        reply = json.loads(reply_text(prompt.messages))
        items.append(f"{reply['item summary']} {reply['potential user analysis']}")
    return items, [reply_text(prompt.messages) for prompt in prompts.users]


def table(recipe, name: str) -> list[tuple]:
    with sqlite3.connect(recipe.config.llm.cache) as db:
        return db.execute(f"SELECT * FROM {name}").fetchall()


def assert_key_in_no_file(folder: Path, key: str) -> None:
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert key.encode() not in path.read_bytes(), path


def run_provider(recipe, n_requests: int):
    provider = load_provider(recipe)
    requests = [Request(str(i), [{"role": "user", "content": f"prompt {i}"}]) for i in range(n_requests)]

    async def collect():
        return [result async for result in provider.generate(requests)]

    return asyncio.run(collect())


def test_generates_every_text_then_reruns_from_the_cache(tmp_path, tiny, api_key):
    with FakeLLMServer() as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=4)
        texts = generate(recipe)
        first_requests = server.requests
        server.reset_counts()
        again = generate(recipe)
    items, units = expected_texts(recipe)
    assert texts.item_texts == again.item_texts == items
    assert texts.unit_texts == again.unit_texts == units
    stats = texts.stats
    assert stats["prompts"] == 59 + 52
    assert stats["calls"] == first_requests == stats["unique_prompts"] == len(table(recipe, "responses"))
    assert stats["json_unparsable"] == stats["failures"] == stats["cache_hits"] == 0
    assert stats["prompt_tokens"] > 0 and stats["completion_tokens"] > 0 and stats["cost_usd"] == 0
    assert server.requests == 0 and again.stats["calls"] == 0
    assert again.stats["cache_hits"] == stats["unique_prompts"]
    assert set(server.authorizations) == {f"Bearer {api_key}"}
    assert_key_in_no_file(tmp_path, api_key)


def test_item_reply_format_constrains_item_requests_only_and_keys_their_replies_apart(tmp_path, tiny, api_key):
    with FakeLLMServer() as server:
        generate(litellm_recipe(tmp_path, server.api_base, tiny))
        assert {fmt for _, fmt in server.response_formats} == {None}
        server.response_formats.clear()
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, item_reply_format="json_schema")
        texts = generate(recipe)
    assert texts.stats["calls"] == 59 and texts.stats["cache_hits"] == 52  # items asked again, users from the cache
    assert all(is_item for is_item, _ in server.response_formats)
    schema = server.response_formats[0][1]["json_schema"]["schema"]
    assert schema["required"] == ["item summary", "potential user analysis"]
    assert {fmt["type"] for _, fmt in server.response_formats} == {"json_schema"}
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)


@pytest.mark.parametrize("concurrency", [1, 6])
def test_requests_in_flight_never_exceed_the_concurrency(tmp_path, tiny, api_key, concurrency):
    with FakeLLMServer(latency_s=0.05) as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=concurrency)
        results = run_provider(recipe, 24)
    assert sorted(int(r.key) for r in results) == list(range(24))
    assert all(r.ok and r.attempts == 1 for r in results)
    assert server.max_in_flight == concurrency


@pytest.mark.parametrize("status", [500, 429])
def test_transient_errors_are_retried(tmp_path, tiny, api_key, status):
    with FakeLLMServer(fail_first=3, fail_status=status) as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=1, max_retries=3)
        results = run_provider(recipe, 5)
    assert server.requests == 5 + 3
    assert all(r.ok for r in results)
    assert [r.attempts for r in results] == [4, 1, 1, 1, 1]


def test_retries_are_bounded(tmp_path, tiny, api_key):
    with FakeLLMServer(fail_first=100) as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=1, max_retries=2)
        results = run_provider(recipe, 2)
    assert server.requests == 2 * 3
    assert [(r.ok, r.attempts) for r in results] == [(False, 3), (False, 3)]
    assert results[0].error.startswith("HTTP 500 InternalServerError: ")


def test_timeouts_are_retried_then_reported(tmp_path, tiny, api_key):
    with FakeLLMServer(latency_s=0.6) as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=1, max_retries=1, timeout=0.2)
        results = run_provider(recipe, 1)
    assert server.requests == 2
    assert [(r.ok, r.attempts) for r in results] == [(False, 2)]
    assert results[0].error.startswith("timed out: ")


def test_failures_are_kept_apart_and_retried_next_run(tmp_path, api_key):
    data = data_section(*cut_quickstart(tmp_path / "data", 8, titles={5: f"Nail polish {ALWAYS_FAIL_MARKER}"}))
    with FakeLLMServer() as server:
        recipe = litellm_recipe(tmp_path, server.api_base, data, concurrency=4, max_retries=1)
        with pytest.raises(RunFailure) as info:
            generate(recipe)
        failed = {row[0] for row in table(recipe, "failures")}
        answered = {row[0] for row in table(recipe, "responses")}
        assert failed and answered and not failed & answered
        assert all(row[2] == 2 for row in table(recipe, "failures"))  # first try + one retry
        message = str(info.value)
        assert message.startswith(f"{len(failed)} of {len(failed) + len(answered)} LLM calls failed")
        assert "running again asks only for the missing ones" in message and "after 2 attempts:" in message
        assert "[redacted]" in table(recipe, "failures")[0][1] and api_key not in message

        server.fail_marked = False
        server.reset_counts()
        texts = generate(recipe)
    assert server.requests == texts.stats["calls"] == len(failed)
    assert texts.stats["cache_hits"] == len(answered)
    assert table(recipe, "failures") == []
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)
    assert_key_in_no_file(tmp_path, api_key)


def test_rejected_credentials_stop_the_run(tmp_path, tiny, api_key):
    with FakeLLMServer(api_key="the-right-key") as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=4)
        with pytest.raises(RunFailure, match="LLM calls stopped: HTTP 401 AuthenticationError") as info:
            generate(recipe)
    assert server.requests <= 4
    assert api_key not in str(info.value)
    assert table(recipe, "failures") == []


def test_missing_key_variable_is_a_usage_error(tmp_path, tiny, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    recipe = litellm_recipe(tmp_path, "http://127.0.0.1:9/v1", tiny)
    with pytest.raises(UsageError, match=f"llm.api_key_env: the environment variable {KEY_ENV} is not set"):
        generate(recipe)


def test_killed_run_resumes_without_losing_or_repeating_replies(tmp_path, tiny, api_key):
    concurrency = 8
    with FakeLLMServer(latency_s=0.05) as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=concurrency)
        cache = Path(recipe.config.llm.cache)
        with open(tmp_path / "child.log", "w") as log:
            child = subprocess.Popen([sys.executable, "-c", CHILD, str(recipe.source)], stdout=log, stderr=log)
        try:
            _wait_for(lambda: cache.exists() and _rows(cache) >= 30, timeout_s=60)
        finally:
            child.kill()
            child.wait()
        assert child.returncode == -9
        saved_at_kill = _rows(cache)
        _wait_for(lambda: server.in_flight == 0, timeout_s=10)
        texts = generate(recipe)
    unique = texts.stats["unique_prompts"]
    assert 30 <= saved_at_kill < unique
    assert texts.stats["cache_hits"] == saved_at_kill
    assert _rows(cache) == unique and table(recipe, "failures") == []
    assert unique <= server.requests <= unique + concurrency
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)
    assert_key_in_no_file(tmp_path, api_key)


def _rows(cache: Path) -> int:
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        except sqlite3.OperationalError:  # the child has not created the table yet
            return 0


def _wait_for(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nothing listens there


def test_a_refused_connection_stops_at_once_naming_api_base(tmp_path, tiny, api_key, monkeypatch):
    waits = []
    monkeypatch.setattr(retry, "backoff_s", lambda *args: waits.append(args) or 0.0)
    api_base = f"http://127.0.0.1:{closed_port()}/v1"
    recipe = litellm_recipe(tmp_path, api_base, tiny, concurrency=4, max_retries=5)
    with pytest.raises(RunFailure) as info:
        generate(recipe)
    message = str(info.value)
    assert message.startswith(f"LLM calls stopped: llm.api_base = {api_base}: connection refused; is the server")
    assert "InternalServerError" not in message
    assert waits == []  # not one retry
    assert table(recipe, "failures") == [] and table(recipe, "responses") == []


def test_progress_is_printed_as_lines_when_piped(tmp_path, tiny, api_key):
    out = quiet()  # not a terminal: plain lines instead of a live bar
    with FakeLLMServer() as server:
        recipe = litellm_recipe(tmp_path, server.api_base, tiny, concurrency=4)
        generate_texts(recipe, load_dataset(recipe), out)
    progress = [line for line in out.file.getvalue().splitlines() if line.startswith("LLM (litellm): ")]
    assert len(progress) == 11  # at 11, 22, ..., 110 calls and at the last
    assert progress[-1].startswith("LLM (litellm): 111/111 calls (100%)")
    assert all(" tokens  $0.0000" in line and "calls/s" in line for line in progress)
