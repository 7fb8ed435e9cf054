"""`dry_run_report`: what generating the semantic texts would take, without calling anything.

What the provider would be asked comes from its identity (`ProviderSpec.identity`, the cache key's), never
from its config keys: `model` (a LiteLLM model string) and `max_tokens`, where the identity has them.
Input tokens are counted with `litellm.token_counter` for that model on a fixed sample of each kind of prompt
and extrapolated by characters (counting all of Beauty's 188k prompts would take over a minute); without a
model they are estimated as characters / 4. Output tokens are given as an upper bound (`max_tokens` per call;
none without it) and a typical figure from the word limits the default prompts ask for; a provider that
generates nothing (passthrough) has none. Costs come from LiteLLM's price map; the batch-mode cost
(`llm.mode = "batch"`) from its batch rates (`input_cost_per_token_batches`, `output_cost_per_token_batches`:
half the online rates for OpenAI's models), where it has them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sracl_cli.semantic.cache import ResponseCache, cache_path
from sracl_cli.semantic.generate import cache_keys, provider_spec
from sracl_cli.semantic.prompts import Prompt, PromptSet, build_prompts

if TYPE_CHECKING:
    from sracl_cli.data.dataset import SequenceData
    from sracl_cli.recipe import Recipe

TOKEN_SAMPLE = 2000  # prompts per kind counted with the model's tokenizer
CHARS_PER_TOKEN = 4.0
# ~1.35 tokens per English word: items ask for <= 80 + 50 words of JSON, users for <= 100 words.
TYPICAL_OUTPUT_TOKENS = {"item": 190, "user": 135}


def dry_run_report(recipe: Recipe, data: SequenceData, console: Console) -> dict[str, Any]:
    started = time.perf_counter()
    spec = provider_spec(recipe)
    identity = spec.identity(recipe.plugins["llm"])
    model, calls_llm = identity.get("model"), spec.generates
    prompts = build_prompts(recipe, data)
    kinds = {"item": prompts.items, "user": prompts.users}
    input_tokens, method = _input_tokens(kinds, model)
    output_typical, output_max = _output_tokens(kinds, identity.get("max_tokens") if calls_llm else 0)
    total_input = sum(input_tokens.values())
    report = {
        "provider": recipe.config.llm.provider,
        "model": model,
        "item_prompts": len(prompts.items),
        "user_prompts": len(prompts.users),
        "user_unit": recipe.config.prompts.user_unit,
        "input_tokens": input_tokens,
        "input_token_method": method,
        "output_tokens_max": output_max,
        "output_tokens_typical": output_typical,
        "cost_usd_typical": _cost(model, total_input, output_typical) if calls_llm else 0.0,
        "cost_usd_max": _cost(model, total_input, output_max) if calls_llm else 0.0,
        "batch_cost_usd_typical": _batch_cost(model, total_input, output_typical) if calls_llm else None,
        "batch_cost_usd_max": _batch_cost(model, total_input, output_max) if calls_llm else None,
        "calls_llm": calls_llm,
        "cached": _cached(recipe, identity, prompts) if calls_llm else None,
        "samples": [_sample(prompt) for prompt in _samples(prompts)],
    }
    report["seconds"] = round(time.perf_counter() - started, 3)
    _print(report, console)
    return report


def _input_tokens(kinds: dict[str, list[Prompt]], model: str | None) -> tuple[dict[str, int], str]:
    chars = {kind: sum(_chars(prompt) for prompt in group) for kind, group in kinds.items()}
    if model is None:
        estimate = {kind: round(total / CHARS_PER_TOKEN) for kind, total in chars.items()}
        return estimate, f"characters / {CHARS_PER_TOKEN:g} (no llm.model to count with)"
    from sracl_cli.semantic.litellm_common import quiet_litellm

    counter = quiet_litellm().token_counter
    estimate = {}
    for kind, group in kinds.items():
        sample = _sample_of(group)
        sample_chars = sum(_chars(prompt) for prompt in sample)
        sample_tokens = sum(counter(model=model, messages=prompt.messages) for prompt in sample)
        estimate[kind] = round(sample_tokens * chars[kind] / sample_chars) if sample_chars else 0
    sampled = all(len(group) <= TOKEN_SAMPLE for group in kinds.values())
    scope = (
        "every prompt"
        if sampled
        else f"a sample of up to {TOKEN_SAMPLE:,} prompts per kind, extrapolated by characters"
    )
    return estimate, f"litellm.token_counter for {model} on {scope}"


def _output_tokens(kinds: dict[str, list[Prompt]], cap: int | None) -> tuple[dict[str, int], dict[str, int] | None]:
    """(typical, at most) output tokens per kind; at most is None without a cap (`max_tokens` per call)."""
    typical = {}
    for kind, group in kinds.items():
        per_call = TYPICAL_OUTPUT_TOKENS[kind] if cap is None else min(cap, TYPICAL_OUTPUT_TOKENS[kind])
        typical[kind] = per_call * len(group)
    most = None if cap is None else {kind: cap * len(group) for kind, group in kinds.items()}
    return typical, most


def _sample_of(group: list[Prompt]) -> list[Prompt]:
    if len(group) <= TOKEN_SAMPLE:
        return group
    picks = np.random.default_rng(0).choice(len(group), TOKEN_SAMPLE, replace=False)
    return [group[i] for i in np.sort(picks)]


def _chars(prompt: Prompt) -> int:
    return sum(len(message["content"]) for message in prompt.messages)


def _cost(model: str | None, input_tokens: int, output_tokens: dict[str, int] | None) -> float | None:
    if model is None or output_tokens is None:
        return None
    from sracl_cli.semantic.litellm_common import cost_usd

    return cost_usd(model, input_tokens, sum(output_tokens.values()))


def _batch_cost(model: str | None, input_tokens: int, output_tokens: dict[str, int] | None) -> float | None:
    """At the price map's batch rates; None where it has none for the model (or there is no bound)."""
    if model is None or output_tokens is None:
        return None
    from sracl_cli.semantic.batch_api import batch_cost_usd

    return batch_cost_usd(model, input_tokens, sum(output_tokens.values()))


def _cached(recipe: Recipe, identity: dict[str, Any], prompts: PromptSet) -> int | None:
    """Prompts the response cache already answers (None when there is no cache file yet)."""
    path = cache_path(recipe)
    if not path.exists():
        return None
    keys = cache_keys(identity, prompts)
    with ResponseCache(path) as cache:
        found = cache.lookup(set(keys))
    return sum(key in found for key in keys)


def _samples(prompts: PromptSet) -> list[Prompt]:
    """The first item, the first user unit, and the user unit with the most items."""
    samples = prompts.items[:1] + prompts.users[:1]
    if prompts.users:
        longest = int(np.argmax(prompts.units.end - prompts.units.start))
        samples.append(prompts.users[longest])
    return samples


def _sample(prompt: Prompt) -> dict[str, Any]:
    return {"kind": prompt.kind, "id": prompt.id, "messages": prompt.messages}


def _print(report: dict[str, Any], console: Console) -> None:
    table = Table(title=f"dry run: {report['provider']} {report['model'] or ''}".rstrip(), show_header=True)
    for column in ("", "items", f"users ({report['user_unit']})", "total"):
        table.add_column(column, justify="right" if column else "left")
    _row(table, "prompts", {"item": report["item_prompts"], "user": report["user_prompts"]})
    if report["calls_llm"]:  # a provider that calls no model has no tokens to count
        _row(table, "input tokens (est.)", report["input_tokens"])
        _row(table, "output tokens, typical", report["output_tokens_typical"])
        if report["output_tokens_max"] is not None:
            _row(table, "output tokens, at most", report["output_tokens_max"])
    console.print(table)
    if report["calls_llm"]:
        console.print(Text(f"input tokens: {report['input_token_method']}"))
    console.print(Text(_cost_line(report)))
    if report["calls_llm"]:
        console.print(Text(_batch_cost_line(report)))
    if report["cached"] is not None:
        total = report["item_prompts"] + report["user_prompts"]
        console.print(Text(f"already in the response cache: {report['cached']:,} of {total:,} prompts"))
    for sample in report["samples"]:
        body = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in sample["messages"])
        console.print(Panel(Text(body), title=f"sample {sample['kind']} prompt {sample['id']}", title_align="left"))
    console.print(Text(f"dry run took {report['seconds']:.1f} s; nothing was sent"))


def _row(table: Table, label: str, by_kind: dict[str, int]) -> None:
    values = [by_kind["item"], by_kind["user"], by_kind["item"] + by_kind["user"]]
    table.add_row(label, *(f"{value:,}" for value in values))


def _cost_line(report: dict[str, Any]) -> str:
    if not report["calls_llm"]:
        return f"cost: none ({report['provider']} calls no model)"
    typical, most = report["cost_usd_typical"], report["cost_usd_max"]
    if typical is None:
        return f"cost: not priced (LiteLLM has no price for {report['model'] or 'an unset llm.model'})"
    if most is None:
        return f"cost (LiteLLM price map): about ${typical:,.2f}, no upper bound (the provider sets no max_tokens)"
    return f"cost (LiteLLM price map): about ${typical:,.2f}, at most ${most:,.2f}"


def _batch_cost_line(report: dict[str, Any]) -> str:
    typical, most = report["batch_cost_usd_typical"], report["batch_cost_usd_max"]
    if typical is None:
        return f"batch mode (llm.mode = \"batch\"): no batch price in LiteLLM's price map for {report['model']}"
    bound = f", at most ${most:,.2f}" if most is not None else ""
    return f"batch mode (llm.mode = \"batch\", the price map's batch rates): about ${typical:,.2f}{bound}"
