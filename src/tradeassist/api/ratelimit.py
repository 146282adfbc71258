"""Per-client token buckets: ``rate_per_minute`` requests a minute, bursts up to ``burst``.

Pure logic with an injected monotonic clock (seconds). Buckets live in an LRU
map bounded by ``max_clients``; a client evicted while idle starts again with a
full bucket, which is what it would have after being idle anyway.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimit", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Requests per minute per client and the burst a full bucket allows; 0: no limit."""

    per_minute: float = 600.0
    burst: int = 100

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.burst > 0


class RateLimiter:
    """Token buckets keyed by client (user, API key or IP)."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:
        self._limit = limit
        self._rate = limit.per_minute / 60.0
        self._clock = clock
        self._max = max_clients
        # key -> (tokens, last refill time)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def limit(self) -> RateLimit:
        return self._limit

    def acquire(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens; 0.0 when allowed, else the seconds to wait before retrying."""
        if not self._limit.enabled:
            return 0.0
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self._limit.burst), now))
        tokens = min(float(self._limit.burst), tokens + (now - last) * self._rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (cost - tokens) / self._rate
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after_header(wait_seconds: float) -> str:
        """Whole seconds for a ``Retry-After`` header, at least 1."""
        return str(max(1, math.ceil(wait_seconds)))
