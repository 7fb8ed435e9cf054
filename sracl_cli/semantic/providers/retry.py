"""When to retry a failed LLM call, and how long to wait first.

Transient failures (429, 5xx, 408/409, timeouts, lost connections) are retried with exponential back-off
and jitter; a server's Retry-After is honoured up to the cap. Credentials, permissions and an unknown
model (401/403/404) stop the whole run, since no other request can succeed, and so does a server that
cannot be reached at all (connection refused, DNS lookup failed): LiteLLM reports those as an HTTP 500
"InternalServerError", so the cause is looked up in the exception's chain. Anything else (e.g. a prompt
the server rejects) fails that one request.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Iterator
from typing import Literal

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
ABORT_STATUS = frozenset({401, 403, 404})
RETRY_STATUS = frozenset({408, 409, 429})

Verdict = Literal["retry", "abort", "fail"]


def verdict(error: BaseException) -> Verdict:
    if unreachable(error):
        return "abort"
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        if status in ABORT_STATUS:
            return "abort"
        if status in RETRY_STATUS or status >= 500:
            return "retry"
        return "fail"
    if isinstance(error, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return "retry"
    return "fail"


def unreachable(error: BaseException) -> str | None:
    """"connection refused" or "DNS lookup failed" when that is what caused `error`, else None."""
    for cause in _chain(error):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
    return None


def what_happened(error: BaseException) -> str:
    """A failure named by what happened: "connection refused", "timed out", "HTTP 429 RateLimitError", ..."""
    reason = unreachable(error)
    if reason:
        return reason
    if any(isinstance(cause, (asyncio.TimeoutError, TimeoutError)) or "Timeout" in type(cause).__name__
           for cause in _chain(error)):
        return "timed out"
    if any(type(cause).__name__ == "APIConnectionError" for cause in _chain(error)):
        return "connection error"  # LiteLLM calls it an HTTP 500 InternalServerError
    status = getattr(error, "status_code", None)
    name = type(error).__name__
    return f"HTTP {status} {name}" if isinstance(status, int) else name


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def backoff_s(attempt: int, error: BaseException | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): half fixed, half random."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    delay = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    return min(BACKOFF_CAP_S, max(delay, retry_after_s(error)))


def retry_after_s(error: BaseException | None) -> float:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    try:
        return float(headers.get("retry-after", 0)) if headers is not None else 0.0
    except (TypeError, ValueError):  # an HTTP date; rare enough to fall back on our own back-off
        return 0.0
