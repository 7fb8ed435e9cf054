"""OpenAI's Batch API through LiteLLM's files and batches functions (`create_file`, `create_batch`,
`retrieve_batch`, `list_batches`, `file_content`), straight to `llm.api_base` or OpenAI, with no proxy.

Only LiteLLM's `openai` route is used (`openai/<model>`: OpenAI itself or any server that implements
`/v1/files` and `/v1/batches`, such as vLLM's batch runner or a gateway); other providers' batch APIs
differ in what they take and are refused in `check_batch_model`. A call that fails transiently (429, 5xx,
timeouts, lost connections) is retried up to `llm.max_retries` times with the online calls' back-off; any
other failure, or an unreachable server, ends the run with RunFailure (the job state is saved by then).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.semantic.litellm_common import quiet_litellm, redact

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
BATCH_PROVIDERS = ("openai",)
MAX_REQUESTS_PER_BATCH = 50_000  # OpenAI's limit on the lines of one batch input file
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
T = TypeVar("T")


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str  # validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int
    total: int
    errors: str  # why the batch failed as a whole (validation), else ""

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


def check_batch_model(model: str) -> str:
    """The model name as the batch lines carry it (`openai/gpt-4o-mini` → `gpt-4o-mini`)."""
    served, provider, _, _ = quiet_litellm().get_llm_provider(model)
    if provider not in BATCH_PROVIDERS:
        raise UsageError(f"llm.mode: batch needs an OpenAI-compatible Batch API (llm.model = 'openai/<name>', with "
                         f"llm.api_base for a server other than OpenAI); '{model}' goes to LiteLLM's {provider} route")
    return served


def batch_cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD at the price map's batch rates (`input_cost_per_token_batches`, `output_cost_per_token_batches`);
    None where it has none for `model`."""
    try:
        info = quiet_litellm().get_model_info(model)
    except Exception:  # LiteLLM raises a variety of errors for models it does not know
        return None
    prompt_price, completion_price = info.get("input_cost_per_token_batches"), info.get("output_cost_per_token_batches")
    if prompt_price is None or completion_price is None:
        return None
    return float(prompt_price) * prompt_tokens + float(completion_price) * completion_tokens


class BatchAPI:
    def __init__(self, api_base: str | None, api_key: str | None, timeout: float, max_retries: int):
        self._litellm = quiet_litellm()
        self.api_base = api_base
        self._options: dict[str, Any] = {"custom_llm_provider": "openai", "timeout": timeout}
        if api_base:
            self._options["api_base"] = api_base
        if api_key is not None:
            self._options["api_key"] = api_key
        self._api_key = api_key
        self._max_retries = max_retries

    def upload(self, name: str, data: bytes) -> str:
        created = self._call("upload a shard", lambda: self._litellm.create_file(
            file=(name, data), purpose="batch", **self._options))
        return str(created.id)

    def create(self, input_file_id: str) -> BatchStatus:
        batch = self._call("create a batch", lambda: self._litellm.create_batch(
            completion_window=COMPLETION_WINDOW, endpoint=ENDPOINT, input_file_id=input_file_id,
            metadata={"sracl_input_file_id": input_file_id}, **self._options))
        return _status(batch)

    def retrieve(self, batch_id: str) -> BatchStatus:
        return _status(self._call(f"poll batch {batch_id}", lambda: self._litellm.retrieve_batch(
            batch_id=batch_id, **self._options)))

    def find(self, input_file_id: str) -> BatchStatus | None:
        """The batch already created from `input_file_id` (a run killed between creating it and saving its id)."""
        page = self._call("list batches", lambda: self._litellm.list_batches(limit=100, **self._options))
        for batch in getattr(page, "data", None) or []:
            if batch.input_file_id == input_file_id:
                return _status(batch)
        return None

    def content(self, file_id: str) -> bytes:
        return bytes(self._call(f"download {file_id}", lambda: self._litellm.file_content(
            file_id=file_id, **self._options)).content)

    def redact(self, text: str) -> str:
        """`text` without the API key (servers may echo it in a line's error)."""
        return redact(text, self._api_key)

    def _call(self, what: str, call: Callable[[], T]) -> T:
        from sracl_cli.semantic.providers.retry import backoff_s, verdict, what_happened

        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except Exception as error:  # every failure is either retried or ends the run with what happened
                if verdict(error) != "retry" or attempt > self._max_retries:
                    where = f"llm.api_base = {self.api_base}" if self.api_base else "the OpenAI Batch API"
                    reason = self.redact(f"{what_happened(error)}: {error}")[:500]
                    raise RunFailure(f"{where}: could not {what} ({reason}); the batch job's state is saved in "
                                     "the response cache, and running again resumes it") from None
                time.sleep(backoff_s(attempt, error))


def _status(batch) -> BatchStatus:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(batch, "errors", None)
    messages = [getattr(e, "message", None) or str(e) for e in (getattr(errors, "data", None) or [])]
    return BatchStatus(
        id=str(batch.id),
        status=str(batch.status),
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        completed=int(getattr(counts, "completed", 0) or 0),
        failed=int(getattr(counts, "failed", 0) or 0),
        total=int(getattr(counts, "total", 0) or 0),
        errors="; ".join(messages),
    )
