"""`llm.mode = "batch"`: OpenAI Batch API jobs through LiteLLM against a real server on 127.0.0.1 that
implements /v1/files and /v1/batches and counts every line it bills."""

from __future__ import annotations

import io
import json
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_server import ALWAYS_FAIL_MARKER, FakeLLMServer
from rich.console import Console
from semantic_helpers import KEY_ENV, cut_quickstart, data_section, litellm_recipe
from test_llm_generation import expected_texts  # the texts the test server's replies make

from sracl_cli.data.load import load_dataset
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.semantic.generate import generate_texts, load_provider
from sracl_cli.semantic.providers import retry

pytestmark = pytest.mark.slow  # each test runs batch jobs against a local server (LiteLLM's import alone takes s)

PROMPTS = 59 + 52  # the quickstart's first 8 users: 59 item prompts and 52 prefix units, all distinct
SHARD = 40  # requests per shard in these tests: 3 shards of 40, 40, 31


@pytest.fixture(autouse=True)
def api_key(monkeypatch) -> str:
    key = f"sk-test-{secrets.token_hex(16)}"
    monkeypatch.setenv(KEY_ENV, key)
    monkeypatch.setattr(retry, "BACKOFF_BASE_S", 0.01)
    return key


def batch_recipe(folder: Path, server: FakeLLMServer, titles: dict[int, str] | None = None):
    data = data_section(*cut_quickstart(folder / "data", 8, titles))
    return litellm_recipe(folder, server.api_base, data, mode="batch", batch_poll_s=0.05, batch_max_requests=SHARD)


def generate(recipe, console: Console | None = None):
    return generate_texts(recipe, load_dataset(recipe), console or Console(file=io.StringIO(), width=120))


def rows(recipe, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{recipe.config.llm.cache}?mode=ro", uri=True) as db:
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # a child process has not created the table yet
            return []


def test_batch_job_asks_every_prompt_once_and_a_rerun_asks_nothing(tmp_path):
    out = Console(file=io.StringIO(), width=150)
    with FakeLLMServer() as server:
        recipe = batch_recipe(tmp_path, server)
        texts = generate(recipe, out)
        billed, batches = dict(server.billed), len(server.batches)
        server.reset_counts()
        again = generate(recipe)
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)
    assert (again.item_texts, again.unit_texts) == expected_texts(recipe)
    assert len(billed) == PROMPTS and set(billed.values()) == {1}
    assert batches == 3 and len(server.batches) == 3
    shard_sizes = sorted(batch["request_counts"]["total"] for batch in server.batches.values())
    assert shard_sizes == [PROMPTS - 2 * SHARD, SHARD, SHARD]
    assert texts.stats["calls"] == PROMPTS and texts.stats["failures"] == 0
    assert texts.stats["prompt_tokens"] > 0 and texts.stats["completion_tokens"] > 0
    assert again.stats["calls"] == 0 and again.stats["cache_hits"] == PROMPTS and server.requests == 0
    assert rows(recipe, "SELECT COUNT(*) FROM responses") == [(PROMPTS,)]
    assert rows(recipe, "SELECT COUNT(*), SUM(folded) FROM batch_shards") == [(3, 3)]
    shards = sorted((Path(recipe.config.llm.cache).parent / "batches").glob("*.jsonl"))
    lines = [json.loads(line) for shard in shards for line in shard.read_text().splitlines()]
    assert len(shards) == 3 and {line["custom_id"] for line in lines} == set(billed)
    assert {line["body"]["model"] for line in lines} == {"test-model"}  # LiteLLM's openai/ prefix is not sent
    assert all(line["body"]["temperature"] == 0.0 and line["body"]["max_tokens"] == 256 for line in lines)
    printed = out.file.getvalue()
    assert f"LLM batch: {PROMPTS}/{PROMPTS} requests (100%)" in printed and "3/3 shards finished" in printed


@pytest.mark.parametrize("kill_after_batches", [1, 3])
def test_a_killed_job_resumes_polling_its_batches_and_buys_nothing_twice(tmp_path, kill_after_batches):
    with FakeLLMServer() as server:
        recipe = batch_recipe(tmp_path, server)
        server.batch_release.clear()  # batches stay in progress until the child is killed
        command = [sys.executable, "-m", "sracl_cli", "embed", str(recipe.source)]
        with open(tmp_path / "child.log", "w") as log:
            child = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 120
            while len(server.batches) < kill_after_batches and child.poll() is None:
                assert time.monotonic() < deadline, "the child submitted no batch in time"
                time.sleep(0.01)
        finally:
            child.kill()
            child.wait()
        assert child.returncode == -9, (tmp_path / "child.log").read_text()
        assert rows(recipe, "SELECT COUNT(*) FROM responses") in ([], [(0,)])  # nothing answered yet
        server.batch_release.set()
        texts = generate(recipe)
    assert len(server.batches) == 3  # the rerun made batches only for shards the child never submitted
    assert len(server.billed) == PROMPTS and set(server.billed.values()) == {1}  # 0 duplicate requests billed
    assert texts.stats["calls"] == PROMPTS and texts.stats["failures"] == 0
    assert rows(recipe, "SELECT COUNT(*), COUNT(DISTINCT key) FROM responses") == [(PROMPTS, PROMPTS)]
    assert rows(recipe, "SELECT COUNT(*) FROM batch_shards WHERE folded = 0") == [(0,)]
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)


def test_failed_lines_are_not_cached_and_the_next_job_asks_for_them_again(tmp_path, api_key):
    with FakeLLMServer() as server:
        recipe = batch_recipe(tmp_path, server, titles={5: f"Nail polish {ALWAYS_FAIL_MARKER}"})
        with pytest.raises(RunFailure) as info:
            generate(recipe)
        failed = {key for key, *_ in rows(recipe, "SELECT * FROM failures")}
        answered = {key for key, *_ in rows(recipe, "SELECT * FROM responses")}
        assert failed and not failed & answered and len(failed | answered) == PROMPTS
        assert str(info.value).startswith(f"{len(failed)} of {PROMPTS} LLM calls failed (last error, after 1 "
                                          "attempt: HTTP 500: cannot handle this prompt")
        assert api_key not in str(info.value)
        server.fail_marked = False
        texts = generate(recipe)
    assert texts.stats["calls"] == len(failed) and texts.stats["cache_hits"] == len(answered)
    assert {key for key, count in server.billed.items() if count == 2} == failed  # asked again, once
    assert set(server.billed) == failed | answered and len(server.batches) == 4
    assert rows(recipe, "SELECT * FROM failures") == []
    assert (texts.item_texts, texts.unit_texts) == expected_texts(recipe)


def test_batch_mode_needs_an_openai_compatible_batch_api(tmp_path):
    with FakeLLMServer() as server:
        recipe = batch_recipe(tmp_path, server)
    recipe.plugins["llm"].model = "deepseek/deepseek-chat"
    with pytest.raises(UsageError, match="llm.mode: batch needs an OpenAI-compatible Batch API .* deepseek route"):
        load_provider(recipe)


def test_an_unreachable_batch_api_is_a_run_failure_naming_api_base(tmp_path):
    with FakeLLMServer() as server:
        recipe = batch_recipe(tmp_path, server)
    with pytest.raises(RunFailure, match=r"llm.api_base = http://127.0.0.1:\d+/v1: could not upload a shard "
                                         r"\(connection refused"):
        generate(recipe)


def test_dry_run_prices_batch_mode_at_the_price_maps_batch_rates(tmp_path):
    from sracl_cli.semantic.dry_run import dry_run_report

    data = data_section(*cut_quickstart(tmp_path / "data", 8))
    out = Console(file=io.StringIO(), width=200)
    recipe = litellm_recipe(tmp_path, "http://127.0.0.1:9/v1", data, model="openai/gpt-4o-mini", mode="batch")
    report = dry_run_report(recipe, load_dataset(recipe), out)
    # gpt-4o-mini in LiteLLM 1.109.3's map: $0.15 / $0.60 per 1M tokens online, $0.075 / $0.30 in batches
    assert report["batch_cost_usd_typical"] == pytest.approx(report["cost_usd_typical"] / 2)
    assert report["batch_cost_usd_max"] == pytest.approx(report["cost_usd_max"] / 2)
    assert f"price map's batch rates): about ${report['batch_cost_usd_typical']:,.2f}" in out.file.getvalue()
    unpriced = litellm_recipe(tmp_path, "http://127.0.0.1:9/v1", data, model="deepseek/deepseek-chat")
    dry_run_report(unpriced, load_dataset(unpriced), out)
    assert "no batch price in LiteLLM's price map for deepseek/deepseek-chat" in out.file.getvalue()
