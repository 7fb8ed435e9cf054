"""When to retry a failed LLM call, and how long to wait first.

Transient failures (429, 5xx, 408/409, timeouts, lost connections) are retried with exponential back-off
and jitter; a server's Retry-After is honoured up to the cap. Credentials, permissions and an unknown
model (401/403/404) stop the whole run, since no other request can succeed. Anything else (e.g. a prompt
the server rejects) fails that one request.
"""

from __future__ import annotations

import asyncio
import random
from typing import Literal

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
ABORT_STATUS = frozenset({401, 403, 404})
RETRY_STATUS = frozenset({408, 409, 429})

Verdict = Literal["retry", "abort", "fail"]


def verdict(error: BaseException) -> Verdict:
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
