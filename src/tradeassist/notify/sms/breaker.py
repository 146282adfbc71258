"""A circuit breaker for the SMS provider: stop calling a failing service, try again later.

Closed: calls go through; ``failures`` consecutive failures open it. Open:
nothing is attempted until ``reset`` seconds have passed, then it is
half-open: one trial call. A success closes it; a failure opens it again
for twice as long (up to ``max_reset``). Time comes from an injected
monotonic clock (seconds), so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """The state machine above; not thread-safe (one sender loop owns it)."""

    def __init__(
        self,
        *,
        failures: int = 5,
        reset_seconds: float = 30.0,
        max_reset_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = max(1, failures)
        self._base_reset = reset_seconds
        self._max_reset = max(reset_seconds, max_reset_seconds)
        self._clock = clock
        self._failures = 0
        self._reset = reset_seconds
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._reset:
            return "half_open"
        return "open"

    def seconds_until_retry(self) -> float:
        """How long until a call may be tried (0 when one may be tried now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._reset - self._clock())

    def allow(self) -> bool:
        """Whether to make a call now; in half-open state only one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial:
            self._trial = True
            return True
        return False

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._reset = self._base_reset
        self._trial = False

    def failure(self) -> None:
        if self._opened_at is not None:  # the half-open trial failed: back off further
            self._reset = min(self._reset * 2, self._max_reset)
            self._opened_at = self._clock()
            self._trial = False
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._trial = False
