"""`litellm`: any LiteLLM model string (`deepseek/deepseek-chat`, `openai/gpt-4o-mini`, `ollama/llama3`, ...).

Its keys in the recipe's [llm] section are `LiteLLMConfig`'s. `llm.api_base` points it at a local
OpenAI-compatible server (vLLM, llama.cpp, Ollama; model `openai/<served name>`). At most `llm.concurrency`
requests are in flight: that many workers share one iterator of requests. LiteLLM's and the OpenAI client's
own retries are switched off (`num_retries=0`) so that one layer, `retry.py`, decides: up to
`llm.max_retries` retries with jittered exponential back-off.

The API key is read from the environment variable named by `llm.api_key_env` and passed as `api_key=`
(see `litellm_common.py`): it is kept in memory only and cut out of every error text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import UsageError
from sracl_cli.semantic.litellm_common import ApiKeyEnv, cost_usd, quiet_litellm, read_api_key, redact
from sracl_cli.semantic.providers.protocol import ProviderAborted, ProviderSpec, Request, Result

ERROR_MAX_CHARS = 500
_WORKER_DONE = object()


class LiteLLMConfig(BaseModel):
    """The `litellm` provider's keys of the recipe's [llm] section."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="LiteLLM model string, e.g. deepseek/deepseek-chat")
    api_base: str | None = Field(None, description="base URL of an OpenAI-compatible server")
    api_key_env: ApiKeyEnv = None
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(0.001, gt=0, le=1)
    max_tokens: int = Field(256, gt=0)
    concurrency: int = Field(32, gt=0)
    timeout: float = Field(60.0, gt=0, description="seconds per call")
    max_retries: int = Field(5, ge=0)


class LiteLLMProvider:
    name = "litellm"
    generates = True

    def __init__(self, llm: LiteLLMConfig, api_key: str | None):
        assert llm.model, "build() checks llm.model"
        self._litellm = quiet_litellm()
        self._llm = llm
        self._model: str = llm.model
        self._api_key = api_key
        self._priced = cost_usd(self._model, 1, 1) is not None

    def __repr__(self) -> str:
        return f"LiteLLMProvider(model={self._llm.model!r}, api_base={self._llm.api_base!r})"

    def identity(self) -> dict[str, Any]:
        return identity(self._llm)

    async def generate(self, requests: Iterable[Request]) -> AsyncIterator[Result]:
        pending = iter(requests)
        results: asyncio.Queue = asyncio.Queue()
        workers = [asyncio.create_task(self._worker(pending, results)) for _ in range(self._llm.concurrency)]
        running = len(workers)
        try:
            while running:
                item = await results.get()
                if item is _WORKER_DONE:
                    running -= 1
                elif isinstance(item, Exception):
                    raise item
                else:
                    yield item
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _worker(self, pending: Iterator[Request], results: asyncio.Queue) -> None:
        try:
            for request in pending:  # one shared iterator: asyncio runs one worker at a time between awaits
                results.put_nowait(await self._complete(request))
        except Exception as error:  # ProviderAborted, or a bug: either way the run must stop and say why
            results.put_nowait(error)
        finally:
            results.put_nowait(_WORKER_DONE)

    async def _complete(self, request: Request) -> Result:
        from sracl_cli.semantic.providers.retry import backoff_s, unreachable, verdict

        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            try:
                options = self._call_options(request.response_format)
                response = await self._litellm.acompletion(messages=request.messages, **options)
                return self._result(request.key, response, started, attempt)
            except Exception as error:  # every failure is classified; none may escape a worker unreported
                outcome = verdict(error)
                if outcome == "abort":
                    reason = unreachable(error)
                    raise ProviderAborted(self._unreachable(reason) if reason else self._describe(error)) from None
                if outcome == "fail" or attempt > self._llm.max_retries:
                    latency = time.perf_counter() - started
                    return Result(request.key, error=self._describe(error), latency_s=latency, attempts=attempt)
                await asyncio.sleep(backoff_s(attempt, error))

    def _call_options(self, response_format: dict[str, Any] | None) -> dict[str, Any]:
        options: dict[str, Any] = {
            "model": self._model,
            "temperature": self._llm.temperature,
            "top_p": self._llm.top_p,
            "max_tokens": self._llm.max_tokens,
            "timeout": self._llm.timeout,
            "num_retries": 0,
            "drop_params": True,  # e.g. a model that takes no top_p: drop it rather than fail every call
        }
        if self._llm.api_base:
            options["api_base"] = self._llm.api_base
        if self._api_key is not None:
            options["api_key"] = self._api_key
        if response_format is not None:
            options["response_format"] = response_format
        return options

    def _result(self, key: str, response, started: float, attempts: int) -> Result:
        latency = time.perf_counter() - started
        choice = response.choices[0]
        text = choice.message.content
        if not text or not text.strip():
            reason = f"empty reply (finish_reason={choice.finish_reason})"
            return Result(key, error=reason, latency_s=latency, attempts=attempts)
        usage = getattr(response, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        return Result(
            key,
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=self._cost(prompt_tokens, completion_tokens),
            latency_s=latency,
            attempts=attempts,
        )

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        if not self._priced:
            return 0.0
        return cost_usd(self._model, prompt_tokens, completion_tokens) or 0.0

    def _describe(self, error: BaseException) -> str:
        from sracl_cli.semantic.providers.retry import what_happened

        return redact(f"{what_happened(error)}: {error}", self._api_key)[:ERROR_MAX_CHARS]

    def _unreachable(self, reason: str) -> str:
        if self._llm.api_base:
            return (f"llm.api_base = {self._llm.api_base}: {reason}; is the server running there? "
                    "(or fix llm.api_base in the recipe)")
        return (f"the API of {self._model}: {reason}; no network? (llm.api_base is unset, so LiteLLM's "
                f"default endpoint for this model is used; set llm.api_base for a local server)")


def identity(llm: LiteLLMConfig) -> dict[str, Any]:
    """What decides a reply besides the messages; the cache key is made of it (never of the API key)."""
    fields: dict[str, Any] = {"provider": LiteLLMProvider.name, "model": llm.model}
    if llm.api_base:
        fields["api_base"] = llm.api_base
    fields.update(temperature=llm.temperature, top_p=llm.top_p, max_tokens=llm.max_tokens)
    return fields


def build(llm: LiteLLMConfig) -> LiteLLMProvider:
    if not llm.model:
        raise UsageError(
            'llm.model: required with llm.provider = "litellm" (a LiteLLM model string, e.g. deepseek/deepseek-chat)'
        )
    api_key = read_api_key("llm", llm.api_key_env, llm.api_base)
    _check_model(llm.model)
    return LiteLLMProvider(llm, api_key)


def _check_model(model: str) -> None:
    try:
        quiet_litellm().get_llm_provider(model)
    except Exception as error:  # LiteLLM's own wording says which providers it knows
        raise UsageError(f"llm.model: LiteLLM does not recognise '{model}': {str(error).splitlines()[0]}") from None


SPEC = ProviderSpec(
    config_model=LiteLLMConfig,
    build=build,
    identity=identity,
    generates=True,
    description="any LiteLLM model; api_base for OpenAI-compatible servers",
)
