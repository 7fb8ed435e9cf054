"""`litellm`: any LiteLLM model string (`deepseek/deepseek-chat`, `openai/gpt-4o-mini`, `ollama/llama3`, ...).

Its keys in the recipe's [llm] section are `LiteLLMConfig`'s. `llm.api_base` points it at a local
OpenAI-compatible server (vLLM, llama.cpp, Ollama; model `openai/<served name>`). At most `llm.concurrency`
requests are in flight: that many workers share one iterator of requests. LiteLLM's and the OpenAI client's
own retries are switched off (`num_retries=0`) so that one layer, `retry.py`, decides: up to
`llm.max_retries` retries with jittered exponential back-off. `llm.requests_per_minute` and
`llm.tokens_per_minute` hold every attempt back to those rates (`rate_limit.py`).

`llm.mode = "batch"` sends the requests as OpenAI Batch API jobs instead (`batch.py`): the provider then
offers `batch` (its API, how to write a request line and read a reply) and the generation runs the job.

The API key is read from the environment variable named by `llm.api_key_env` and passed as `api_key=`
(see `litellm_common.py`): it is kept in memory only and cut out of every error text.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import UsageError
from sracl_cli.semantic.litellm_common import ApiKeyEnv, cost_usd, quiet_litellm, read_api_key, redact
from sracl_cli.semantic.providers.protocol import ProviderAborted, ProviderSpec, Request, Result

if TYPE_CHECKING:
    from sracl_cli.semantic.batch import BatchMode
    from sracl_cli.semantic.rate_limit import RateLimiter

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
    requests_per_minute: float | None = Field(None, gt=0, description="online mode: most calls per minute")
    tokens_per_minute: float | None = Field(None, gt=0, description="online mode: most tokens (prompt + max_tokens)"
                                            " per minute")
    mode: Literal["online", "batch"] = Field("online", description="online calls, or OpenAI Batch API jobs")
    batch_poll_s: float = Field(60.0, gt=0, description="batch mode: seconds between polls of the batches")
    batch_max_requests: int = Field(50_000, gt=0, le=50_000, description="batch mode: requests per shard")


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
        self.batch: BatchMode | None = self._batch_mode() if llm.mode == "batch" else None

    def __repr__(self) -> str:
        return f"LiteLLMProvider(model={self._llm.model!r}, api_base={self._llm.api_base!r})"

    def identity(self) -> dict[str, Any]:
        return identity(self._llm)

    async def generate(self, requests: Iterable[Request]) -> AsyncIterator[Result]:
        pending = iter(requests)
        results: asyncio.Queue = asyncio.Queue()
        limiter = self._limiter()
        workers = [asyncio.create_task(self._worker(pending, results, limiter)) for _ in range(self._llm.concurrency)]
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

    async def _worker(self, pending: Iterator[Request], results: asyncio.Queue, limiter: RateLimiter | None) -> None:
        try:
            for request in pending:  # one shared iterator: asyncio runs one worker at a time between awaits
                results.put_nowait(await self._complete(request, limiter))
        except Exception as error:  # ProviderAborted, or a bug: either way the run must stop and say why
            results.put_nowait(error)
        finally:
            results.put_nowait(_WORKER_DONE)

    async def _complete(self, request: Request, limiter: RateLimiter | None = None) -> Result:
        from sracl_cli.semantic.providers.retry import backoff_s, unreachable, verdict

        started = time.perf_counter()
        attempt = 0
        tokens = self._tokens(request) if limiter is not None and limiter.counts_tokens else 0
        while True:
            attempt += 1
            if limiter is not None:
                await limiter.acquire(tokens)
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

    def _limiter(self) -> RateLimiter | None:
        if self._llm.requests_per_minute is None and self._llm.tokens_per_minute is None:
            return None
        from sracl_cli.semantic.rate_limit import RateLimiter

        return RateLimiter(self._llm.requests_per_minute, self._llm.tokens_per_minute)

    def _tokens(self, request: Request) -> int:
        """What a provider's tokens-per-minute limiter counts for a call: the prompt, plus the most it may reply."""
        return int(self._litellm.token_counter(model=self._model, messages=request.messages)) + self._llm.max_tokens

    def _sampling(self) -> dict[str, Any]:
        return {"temperature": self._llm.temperature, "top_p": self._llm.top_p, "max_tokens": self._llm.max_tokens}

    def _call_options(self, response_format: dict[str, Any] | None) -> dict[str, Any]:
        options: dict[str, Any] = {
            "model": self._model,
            **self._sampling(),
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
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        tokens = (int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0))
        latency = time.perf_counter() - started
        return _reply(key, choice.message.content, choice.finish_reason, tokens, self._cost, latency, attempts)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        if not self._priced:
            return 0.0
        return cost_usd(self._model, prompt_tokens, completion_tokens) or 0.0

    def _batch_mode(self) -> BatchMode:
        from sracl_cli.semantic.batch import BatchMode
        from sracl_cli.semantic.batch_api import BatchAPI, check_batch_model

        served = check_batch_model(self._model)
        api = BatchAPI(self._llm.api_base, self._api_key, self._llm.timeout, self._llm.max_retries)
        body = functools.partial(self._batch_body, served)
        return BatchMode(api, body, self._batch_result, self._llm.batch_poll_s, self._llm.batch_max_requests)

    def _batch_body(self, served_model: str, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": served_model, "messages": request.messages, **self._sampling()}
        if request.response_format is not None:
            body["response_format"] = request.response_format
        return body

    def _batch_result(self, key: str, body: dict) -> Result:
        try:
            choice = body["choices"][0]
            text, finish_reason = choice["message"]["content"], choice.get("finish_reason")
        except (KeyError, IndexError, TypeError):
            return Result(key, error="invalid reply: no choices[0].message.content")
        usage = body.get("usage") or {}
        tokens = (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        return _reply(key, text, finish_reason, tokens, self._batch_cost, 0.0, 1)

    def _batch_cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The price map's batch rates where it has them, else its online rates (an upper bound)."""
        from sracl_cli.semantic.batch_api import batch_cost_usd

        batch = batch_cost_usd(self._model, prompt_tokens, completion_tokens)
        return self._cost(prompt_tokens, completion_tokens) if batch is None else batch

    def _describe(self, error: BaseException) -> str:
        from sracl_cli.semantic.providers.retry import what_happened

        return redact(f"{what_happened(error)}: {error}", self._api_key)[:ERROR_MAX_CHARS]

    def _unreachable(self, reason: str) -> str:
        if self._llm.api_base:
            return (f"llm.api_base = {self._llm.api_base}: {reason}; is the server running there? "
                    "(or fix llm.api_base in the recipe)")
        return (f"the API of {self._model}: {reason}; no network? (llm.api_base is unset, so LiteLLM's "
                f"default endpoint for this model is used; set llm.api_base for a local server)")


def _reply(key: str, text: str | None, finish_reason, tokens: tuple[int, int], cost: Callable[[int, int], float],
           latency: float, attempts: int) -> Result:
    """A reply's Result; an empty one is a failure (never cached)."""
    if not text or not text.strip():
        return Result(key, error=f"empty reply (finish_reason={finish_reason})", latency_s=latency, attempts=attempts)
    prompt_tokens, completion_tokens = tokens
    return Result(key, text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                  cost=cost(prompt_tokens, completion_tokens), latency_s=latency, attempts=attempts)


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
