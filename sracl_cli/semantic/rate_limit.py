"""Requests-per-minute and tokens-per-minute limits for online LLM calls (`llm.requests_per_minute`,
`llm.tokens_per_minute` of the `litellm` provider).

Each limit is a bucket that refills continuously at limit / 60 per second and holds at most BURST_S
seconds of it, because providers enforce per-minute limits over shorter windows (OpenAI: "60,000 RPM may
be enforced as 1,000 requests per second"). A call waits until every bucket holds what it needs, capped at
the bucket's size, then takes all of it; a bucket may go below zero (a call larger than a bucket), so the
long-run rate never exceeds the limit. Callers wait in arrival order.

A call's tokens are estimated before it is sent, as the provider's limiter counts them: the prompt's
tokens (`litellm.token_counter` for the model) plus `max_tokens`, the most the reply may use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

BURST_S = 1.0
EPSILON_S = 1e-9  # a wait this short is rounding: go (a clock may not advance by it)


class Bucket:
    def __init__(self, per_minute: float, now: float):
        self.rate = per_minute / 60.0
        self.size = self.rate * BURST_S
        self.level = self.size
        self._time = now

    def refill(self, now: float) -> None:
        self.level = min(self.size, self.level + (now - self._time) * self.rate)
        self._time = now

    def wait_s(self, amount: float) -> float:
        """Seconds until the bucket holds `amount` (at most its size)."""
        return max(0.0, (min(amount, self.size) - self.level) / self.rate)


class RateLimiter:
    """`await limiter.acquire(tokens)` before each call; returns when the call may go."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        now = clock()
        self._requests = Bucket(requests_per_minute, now) if requests_per_minute else None
        self._tokens = Bucket(tokens_per_minute, now) if tokens_per_minute else None
        self._clock = clock
        self._sleep = sleep
        self._turn: asyncio.Lock | None = None  # made inside the event loop that uses it

    @property
    def counts_tokens(self) -> bool:
        return self._tokens is not None

    async def acquire(self, tokens: int = 0) -> None:
        if self._turn is None:
            self._turn = asyncio.Lock()
        async with self._turn:
            wanted = [(bucket, amount) for bucket, amount in ((self._requests, 1), (self._tokens, tokens)) if bucket]
            while True:
                now = self._clock()
                for bucket, _ in wanted:
                    bucket.refill(now)
                wait = max((bucket.wait_s(amount) for bucket, amount in wanted), default=0.0)
                if wait <= EPSILON_S:
                    break
                await self._sleep(wait)
            for bucket, amount in wanted:
                bucket.level -= amount
