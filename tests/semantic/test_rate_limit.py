"""`llm.requests_per_minute` / `llm.tokens_per_minute`: the limiter on a fake clock, and the provider under it."""

from __future__ import annotations

import asyncio

import pytest
from llm_server import FakeLLMServer
from semantic_helpers import KEY_ENV, cut_quickstart, data_section, litellm_recipe

from sracl_cli.semantic import rate_limit
from sracl_cli.semantic.generate import load_provider
from sracl_cli.semantic.providers.protocol import Request
from sracl_cli.semantic.rate_limit import RateLimiter


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def start_times(limiter: RateLimiter, clock: FakeClock, tokens: list[int], workers: int = 4) -> list[float]:
    """When each call may go, with `workers` callers taking calls in order (as the provider's workers do)."""
    pending = iter(tokens)
    started: list[float] = []

    async def worker() -> None:
        for amount in pending:
            await limiter.acquire(amount)
            started.append(clock.now)
            await asyncio.sleep(0)  # let the other workers in, as a real call would

    async def main() -> None:
        await asyncio.gather(*(worker() for _ in range(workers)))

    asyncio.run(main())
    return started


def test_requests_per_minute_allow_one_seconds_burst_then_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=120, tokens_per_minute=None, clock=clock, sleep=clock.sleep)
    started = start_times(limiter, clock, [0] * 12)
    assert started == pytest.approx([0.0, 0.0] + [0.5 * n for n in range(1, 11)])  # 2 at once, then 2 per s
    assert started[-1] == pytest.approx(5.0)


def test_tokens_per_minute_hold_calls_to_the_token_rate():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=None, tokens_per_minute=6000, clock=clock, sleep=clock.sleep)
    started = start_times(limiter, clock, [100] * 4 + [50] * 2)  # bucket: 100 tokens, refilled at 100 per s
    assert started == pytest.approx([0.0, 1.0, 2.0, 3.0, 3.5, 4.0])


def test_a_call_larger_than_the_bucket_goes_when_it_is_full_and_is_paid_back_before_the_next():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=None, tokens_per_minute=600, clock=clock, sleep=clock.sleep)
    started = start_times(limiter, clock, [30, 10, 10], workers=1)  # bucket: 10 tokens, refilled at 10 per s
    assert started == pytest.approx([0.0, 3.0, 4.0])  # 30 tokens leave the bucket at -20: 3 s to refill to 10
    assert 30 + 10 + 10 <= 600 / 60 * (started[-1] + 1)  # never above the rate


def test_both_limits_apply_and_the_tighter_one_decides():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=60, tokens_per_minute=60_000, clock=clock, sleep=clock.sleep)
    assert start_times(limiter, clock, [10] * 4) == pytest.approx([0.0, 1.0, 2.0, 3.0])  # 1 request per s
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=6000, tokens_per_minute=600, clock=clock, sleep=clock.sleep)
    assert start_times(limiter, clock, [10] * 4) == pytest.approx([0.0, 1.0, 2.0, 3.0])  # 10 tokens per s


def test_no_limits_means_no_waiting():
    clock = FakeClock()
    limiter = RateLimiter(None, None, clock=clock, sleep=clock.sleep)
    assert start_times(limiter, clock, [10**9] * 5) == [0.0] * 5


@pytest.mark.slow
def test_the_provider_waits_for_the_limiter_before_every_call(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test")
    monkeypatch.setattr(rate_limit, "BURST_S", 0.25)  # the limit bites after one call
    data = data_section(*cut_quickstart(tmp_path / "data", 8))
    with FakeLLMServer() as server:
        recipe = litellm_recipe(tmp_path, server.api_base, data, concurrency=8, requests_per_minute=480,
                                tokens_per_minute=10**7)
        provider = load_provider(recipe)
        requests = [Request(str(i), [{"role": "user", "content": f"prompt {i}"}]) for i in range(9)]
        limiter_tokens, sent_before = [], []
        acquire = RateLimiter.acquire

        async def counting(self, tokens=0):
            limiter_tokens.append(tokens)
            await acquire(self, tokens)
            sent_before.append(server.requests)  # requests the server had when this call was let through

        monkeypatch.setattr(RateLimiter, "acquire", counting)

        async def collect():
            return [result async for result in provider.generate(requests)]

        results = asyncio.run(collect())
    assert len(results) == 9 and all(result.ok for result in results) and server.requests == 9
    # every call passed the limiter before its request was sent (the waiting itself: the fake-clock tests above)
    assert all(sent <= passed for passed, sent in enumerate(sent_before))
    # prompt tokens as LiteLLM counts them for the model, plus max_tokens (the most a reply may use)
    assert limiter_tokens == [provider._tokens(request) for request in requests]
    assert all(256 < tokens < 256 + 20 for tokens in limiter_tokens)
