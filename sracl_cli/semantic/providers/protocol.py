"""The LLM provider contract. The response cache sits outside providers: they only ever see cache misses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

from sracl_cli.registry import ConfigT, PluginSpec


class Request(NamedTuple):
    key: str  # the caller's name for this request (sracl uses the cache key); results carry it back
    messages: list[dict[str, str]]
    response_format: dict[str, Any] | None = None  # OpenAI's `response_format`, for providers that take one


@dataclass(frozen=True)
class Result:
    """The outcome of one request: `text` on success, else `error` (after the provider's own retries)."""

    key: str
    text: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0  # USD, 0 where the model is not priced
    latency_s: float = 0.0
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.text is not None


class ProviderAborted(Exception):
    """Raised by `generate` when no further request can succeed (bad credentials, unknown model)."""


@runtime_checkable
class LLMProvider(Protocol):
    name: str
    generates: bool  # False: answers without a model (no cache, no progress, replies are not JSON)

    def identity(self) -> dict[str, Any]:
        """Everything besides the messages that decides a reply (model, sampling settings; never a key)."""

    def generate(self, requests: Iterable[Request]) -> AsyncIterator[Result]:
        """One Result per request, in completion order."""


@dataclass(frozen=True, kw_only=True)
class ProviderSpec(PluginSpec[ConfigT]):
    """What a `sracl.llm_providers` entry point provides.

    `config` below is the provider's own keys of the recipe's [llm] section, validated by `config_model`.
    `build(config)` returns an LLMProvider; it may raise UsageError (e.g. a missing API key variable).
    `identity(config)` is what the built provider's `identity()` returns, available without building it
    (no key needed), and `generates` its `generates`: a dry run uses both (it counts tokens for and prices
    `identity["model"]` as a LiteLLM model string, and bounds replies by `identity["max_tokens"]`, where the
    identity has them). The module holding the spec must import without the provider's client library, so
    that `sracl validate` and `sracl plugins` stay fast; import it inside `build`.
    """

    build: Callable[[ConfigT], LLMProvider]
    identity: Callable[[ConfigT], dict[str, Any]]
    generates: bool
