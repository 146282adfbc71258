from __future__ import annotations

from tradeassist.api.ratelimit import RateLimit, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_next_request_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=3), clock=clock)

    allowed = [limiter.acquire("user:a") for _ in range(3)]
    refused = limiter.acquire("user:a")

    assert allowed == [0.0, 0.0, 0.0]
    assert refused == 1.0  # one token a second at 60 per minute


def test_tokens_refill_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock=clock)
    limiter.acquire("k")

    clock.now += 1.0

    assert limiter.acquire("k") == 0.0


def test_clients_have_separate_buckets() -> None:
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock=FakeClock())
    limiter.acquire("user:a")

    assert limiter.acquire("user:b") == 0.0
    assert limiter.acquire("user:a") > 0


def test_a_zero_rate_means_no_limit() -> None:
    limiter = RateLimiter(RateLimit(per_minute=0, burst=0), clock=FakeClock())

    assert all(limiter.acquire("k") == 0.0 for _ in range(1000))


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert RateLimiter.retry_after_header(0.2) == "1"
    assert RateLimiter.retry_after_header(2.01) == "3"


def test_memory_is_bounded_by_max_clients() -> None:
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock=FakeClock(), max_clients=10)

    for i in range(100):
        limiter.acquire(f"ip:{i}")

    # The oldest clients were forgotten: they start again with a full bucket.
    assert limiter.acquire("ip:0") == 0.0
