"""`generate_texts`: the text of every item and every user unit, from the recipe's LLM provider.

Prompts that share a cache key are asked once. A provider that generates goes through the response cache:
only misses are sent, each reply is committed as it arrives, and a run with failures ends in RunFailure
after everything that succeeded is saved, so that the next run asks only for what is still missing.
A provider in batch mode (`provider.batch`) gets the misses as one batch job (`batch.py`) instead of calls.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

from sracl_cli import kinds, registry
from sracl_cli.data.units import UserUnits
from sracl_cli.errors import RunFailure
from sracl_cli.semantic.cache import ResponseCache, cache_key, cache_path
from sracl_cli.semantic.progress import GenerationProgress, summary_table
from sracl_cli.semantic.prompts import PromptSet, build_prompts
from sracl_cli.semantic.providers.protocol import LLMProvider, ProviderAborted, ProviderSpec, Request, Result
from sracl_cli.semantic.replies import item_text_from_reply

if TYPE_CHECKING:
    from sracl_cli.data.dataset import SequenceData
    from sracl_cli.recipe import Recipe


@dataclass(frozen=True)
class SemanticTexts:
    item_texts: list[str]  # indexed by item id; "" at 0 (padding)
    unit_texts: list[str]  # indexed by unit
    units: UserUnits
    stats: dict[str, int | float]


@dataclass
class Tally:
    """What this run asked for and what its calls did."""

    unique_prompts: int = 0
    cache_hits: int = 0
    calls: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    last_error: str = ""
    last_error_attempts: int = 0

    def add(self, result: Result) -> None:
        self.calls += 1
        self.retries += max(result.attempts - 1, 0)
        self.prompt_tokens += result.prompt_tokens
        self.completion_tokens += result.completion_tokens
        self.cost += result.cost
        if not result.ok:
            self.failures += 1
            self.last_error = result.error or ""
            self.last_error_attempts = result.attempts


def provider_spec(recipe: Recipe) -> ProviderSpec[Any]:
    return registry.load(kinds.LLM_PROVIDER, recipe.config.llm.provider)


def load_provider(recipe: Recipe) -> LLMProvider:
    """The recipe's provider, built from its own keys of [llm] (validated by its config_model)."""
    return provider_spec(recipe).build(recipe.plugins["llm"])


def generate_texts(recipe: Recipe, data: SequenceData, console: Console) -> SemanticTexts:
    started = time.perf_counter()
    prompts = build_prompts(recipe, data)
    provider = load_provider(recipe)
    keys = prompt_keys(provider, prompts)
    tally = Tally()
    replies = _replies(provider, prompts, keys, recipe, tally, console)
    texts = _texts(prompts, keys, replies, parse_items=provider.generates)
    stats = _stats(len(prompts), tally, texts.unparsable, time.perf_counter() - started)
    if provider.generates:
        console.print(summary_table(provider.name, stats))
    else:  # no model: retries, tokens and cost mean nothing here
        console.print(f"texts: {len(prompts):,} prompts used as written ({provider.name} calls no model)")
    if tally.failures:
        raise _failure(recipe, tally)
    return SemanticTexts(texts.items, texts.units, prompts.units, stats)


def prompt_keys(provider: LLMProvider, prompts: PromptSet) -> list[str]:
    """The cache key of every prompt (items first, then units); positions when the provider is not cached."""
    if not provider.generates:
        return [str(position) for position in range(len(prompts))]
    return cache_keys(provider.identity(), prompts)


def cache_keys(identity: dict, prompts: PromptSet) -> list[str]:
    """The response-cache key of every prompt (items first, then units) under a provider identity."""
    return [cache_key(identity, prompt.messages, prompt.response_format) for prompt in prompts]


def _replies(provider, prompts: PromptSet, keys: list[str], recipe: Recipe, tally: Tally, console) -> dict:
    """The reply to every distinct prompt that has one: from the cache, else from the provider."""
    unique = list(dict.fromkeys(keys))
    tally.unique_prompts = len(unique)
    cache = ResponseCache(cache_path(recipe)) if provider.generates else None
    with cache or nullcontext():
        replies = cache.lookup(unique) if cache else {}
        tally.cache_hits = len(replies)
        missing = [
            Request(key, prompt.messages, prompt.response_format)
            for key, prompt in _unique(keys, prompts)
            if key not in replies
        ]
        _run(provider, missing, cache, replies, tally, console)
    return replies


def _unique(keys: Sequence[str], prompts: PromptSet):
    seen: set[str] = set()
    for key, prompt in zip(keys, prompts):
        if key not in seen:
            seen.add(key)
            yield key, prompt


def _run(provider, requests: list[Request], cache, replies: dict[str, str], tally: Tally, console: Console) -> None:
    if not requests:
        return
    record = functools.partial(_record, cache, replies, tally)
    batch = getattr(provider, "batch", None)
    if batch is not None and cache is not None:
        from sracl_cli.semantic.batch import run_batch_job

        run_batch_job(batch, requests, cache, record, console)
        return
    try:
        if provider.generates:
            with GenerationProgress(console, provider.name, len(requests)) as progress:
                advance = functools.partial(_advance, progress, tally)
                asyncio.run(_collect(provider, requests, record, advance))
        else:
            asyncio.run(_collect(provider, requests, record, lambda: None))
    except ProviderAborted as error:
        saved = f"; the {tally.calls - tally.failures} replies received are saved" if cache else ""
        raise RunFailure(f"LLM calls stopped: {error}{saved}") from None


async def _collect(provider, requests, record, on_result) -> None:
    async for result in provider.generate(requests):
        record(result)
        on_result()


def _record(cache: ResponseCache | None, replies: dict[str, str], tally: Tally, result: Result) -> None:
    """One result: counted, and its reply kept (committed to the cache as it arrives) or its failure saved."""
    tally.add(result)
    if result.text is not None:
        replies[result.key] = result.text
        if cache:
            cache.store(result)
    elif cache:
        cache.store_failure(result)


def _advance(progress: GenerationProgress, tally: Tally) -> None:
    progress.advance(tally.prompt_tokens + tally.completion_tokens, tally.cost)


@dataclass(frozen=True)
class _Texts:
    items: list[str]
    units: list[str]
    unparsable: int


def _texts(prompts: PromptSet, keys: list[str], replies: dict[str, str], parse_items: bool) -> _Texts:
    n_items = len(prompts.items)
    item_texts, unparsable = [""], 0
    for key in keys[:n_items]:
        text, parsed = _item_text(replies.get(key), parse_items)
        item_texts.append(text)
        unparsable += not parsed
    unit_texts = [replies.get(key, "") for key in keys[n_items:]]
    return _Texts(item_texts, unit_texts, unparsable)


def _item_text(reply: str | None, parse: bool) -> tuple[str, bool]:
    if reply is None:
        return "", True  # failed: the run ends in RunFailure, this text is never used
    if not parse:
        return reply, True
    return item_text_from_reply(reply)


def _stats(n_prompts: int, tally: Tally, unparsable: int, seconds: float) -> dict[str, int | float]:
    return {
        "prompts": n_prompts,
        "unique_prompts": tally.unique_prompts,
        "cache_hits": tally.cache_hits,
        "calls": tally.calls,
        "retries": tally.retries,
        "failures": tally.failures,
        "prompt_tokens": tally.prompt_tokens,
        "completion_tokens": tally.completion_tokens,
        "cost_usd": round(tally.cost, 6),
        "json_unparsable": unparsable,
        "seconds": round(seconds, 3),
    }


def _failure(recipe: Recipe, tally: Tally) -> RunFailure:
    attempts = f"{tally.last_error_attempts} attempt" + ("" if tally.last_error_attempts == 1 else "s")
    return RunFailure(
        f"{tally.failures} of {tally.calls} LLM calls failed (last error, after {attempts}: {tally.last_error}); "
        f"the {tally.calls - tally.failures} replies received are saved in {cache_path(recipe)}, and running "
        f"again asks only for the missing ones"
    )
