"""Where the per-user text budgets are kept: the interface the notifier core uses.

Two implementations of one rule (:class:`~tradeassist.notify.budget.TextRule`):

- :class:`MemoryBudgetStore` (no ``REDIS_URL``): in the process. Without
  Redis the product is one process tree (``tradeassist run``, the SQLite
  demo) with one notifier, for which this count is exact and free; counting
  in the database would add a write per alert text under SQLite's one writer
  lock, which the screener's alert store needs. (API replicas sharing a
  database without Redis would each keep a limit of their own: replicate with
  ``REDIS_URL``.)
- :class:`~tradeassist.notify.redis_budget.RedisBudgetStore` (``REDIS_URL``):
  in Redis, shared by every notifier replica, so a user gets at most N texts a
  minute however many replicas run, and each digest is taken by one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from tradeassist.notify.budget import TextBudget

__all__ = ["BudgetStore", "MemoryBudgetStore"]

T = TypeVar("T")


class BudgetStore(Protocol[T]):
    """Every user's text budget and held alerts; ``T`` is what is held."""

    async def offer(self, user_id: str, item: T, at: datetime) -> bool:
        """True: text ``item`` now (counted); False: it is held for the next digest."""
        ...

    async def offer_all(self, user_ids: Sequence[str], item: T, at: datetime) -> list[bool]:
        """:meth:`offer` to each of several distinct users (the users one alert matched)."""
        ...

    async def hold(self, user_id: str, item: T, at: datetime) -> None:
        """Hold ``item`` for the next digest without offering it (a recovered held text)."""
        ...

    async def due_digests(
        self, at: datetime, accept: Callable[[str], bool] | None = None
    ) -> list[tuple[str, list[T]]]:
        """Digests to send now, per user, each counted as a text and handed out once.

        ``accept``: only users it says yes to (the others' digests stay held).
        """
        ...

    async def held(self, user_id: str) -> int:
        """How many alerts wait in the user's digest."""
        ...

    async def users(self) -> list[str]:
        """The users whose budget holds something (a :meth:`forget` may drop it)."""
        ...

    async def forget(self, user_id: str) -> None:
        """Drop the user's budget and held alerts (after STOP)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class MemoryBudgetStore(BudgetStore[T]):
    """A :class:`~tradeassist.notify.budget.TextBudget` behind the async interface."""

    def __init__(self, budget: TextBudget[T]) -> None:
        self._budget = budget

    async def offer(self, user_id: str, item: T, at: datetime) -> bool:
        return self._budget.offer(user_id, item, at)

    async def offer_all(self, user_ids: Sequence[str], item: T, at: datetime) -> list[bool]:
        return [self._budget.offer(user_id, item, at) for user_id in user_ids]

    async def hold(self, user_id: str, item: T, at: datetime) -> None:
        self._budget.hold(user_id, item, at)

    async def due_digests(
        self, at: datetime, accept: Callable[[str], bool] | None = None
    ) -> list[tuple[str, list[T]]]:
        return self._budget.due_digests(at, accept)

    async def held(self, user_id: str) -> int:
        return self._budget.held(user_id)

    async def users(self) -> list[str]:
        return self._budget.users()

    async def forget(self, user_id: str) -> None:
        self._budget.forget(user_id)

    async def aclose(self) -> None:
        return None
