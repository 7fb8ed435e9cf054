"""LLM stage throughput: calls/s through sracl's `litellm` provider (the real LiteLLM client) against a local
OpenAI-compatible server on 127.0.0.1 that waits 200 ms before every answer, at several concurrencies; then
the whole `generate_texts` of the bundled sample's 4-core (423 item + 296 user prompts), cold and from the
response cache. Run by hand (results in bench/results/llm_stage.json):

    .venv/bin/python bench/llm_stage.py [--concurrency 1 8 32 128] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, console, make_table, save_results, timed

sys.path.insert(0, str(REPO / "tests" / "semantic"))  # the tests' stdlib OpenAI-compatible server
from llm_server import FakeLLMServer

from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.generate import generate_texts, load_provider
from sracl_cli.semantic.prompts import build_prompts
from sracl_cli.semantic.providers.protocol import Request

LATENCY_S = 0.2
CACHE_RUN_CONCURRENCY = 128


def llm_recipe(server: FakeLLMServer, concurrency: int, cache: Path):
    return load_recipe(QUICKSTART, QUICK_OVERRIDES + [
        'llm.provider="litellm"', 'llm.model="openai/bench-model"', f'llm.api_base="{server.api_base}"',
        f"llm.concurrency={concurrency}", f'llm.cache="{cache}"'])


async def drain(provider, requests: list[Request]) -> int:
    return sum([1 async for result in provider.generate(requests) if result.ok])


def calls_per_second(server: FakeLLMServer, concurrency: int, n_calls: int, scratch: Path) -> dict:
    recipe = llm_recipe(server, concurrency, scratch / "unused.sqlite")
    prompts = list(build_prompts(recipe, load_dataset(recipe)))
    requests = [Request(str(i), prompts[i % len(prompts)].messages) for i in range(n_calls)]
    provider = load_provider(recipe)
    asyncio.run(drain(provider, requests[:1]))  # the first call pays LiteLLM's lazy set-up; not timed
    server.reset_counts()
    ok, seconds = timed(lambda: asyncio.run(drain(provider, requests)))
    return {"concurrency": concurrency, "calls": n_calls, "ok": ok, "seconds": seconds,
            "calls_per_s": n_calls / seconds, "max_in_flight": server.max_in_flight}


def stage_with_cache(server: FakeLLMServer, concurrency: int, scratch: Path) -> dict:
    recipe = llm_recipe(server, concurrency, scratch / "cache.sqlite")
    data = load_dataset(recipe)
    server.reset_counts()
    cold, cold_s = timed(lambda: generate_texts(recipe, data, console))
    cold_calls = server.requests
    server.reset_counts()
    warm, warm_s = timed(lambda: generate_texts(recipe, data, console))
    assert warm.item_texts == cold.item_texts and warm.unit_texts == cold.unit_texts
    return {"prompts": len(cold.item_texts) - 1 + len(cold.unit_texts),
            "cold_s": cold_s, "cold_calls": cold_calls, "cached_s": warm_s, "cached_calls": server.requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 128])
    common_arguments(parser)
    args = parser.parse_args()
    levels = [1, 8] if args.quick else args.concurrency
    with tempfile.TemporaryDirectory() as scratch, FakeLLMServer(latency_s=LATENCY_S) as server:
        runs = []
        for level in levels:
            n_calls = 10 if args.quick else max(25, 8 * level)
            runs.append(calls_per_second(server, level, n_calls, Path(scratch)))
            console.print(f"concurrency {level}: {runs[-1]['calls_per_s']:.1f} calls/s")
        cache = stage_with_cache(server, CACHE_RUN_CONCURRENCY, Path(scratch))
    rows = [[str(r["concurrency"]), str(r["calls"]), f"{r['seconds']:.2f}", f"{r['calls_per_s']:.1f}",
             f"{r['calls_per_s'] * LATENCY_S:.2f}", str(r["max_in_flight"])] for r in runs]
    table = make_table(f"litellm provider vs a 127.0.0.1 server answering after {LATENCY_S * 1000:.0f} ms",
                       ["concurrency", "calls", "seconds", "calls/s", "x (1 / latency)", "max in flight"], rows)
    table.caption = (f"generate_texts, {cache['prompts']} prompts, concurrency {CACHE_RUN_CONCURRENCY}: "
                     f"cold {cache['cold_s']:.1f} s ({cache['cold_calls']} calls), "
                     f"from the cache {cache['cached_s']:.2f} s ({cache['cached_calls']} calls)")
    save_results("llm_stage", args, table, {"latency_s": LATENCY_S, "runs": runs, "cache": cache})


if __name__ == "__main__":
    main()
