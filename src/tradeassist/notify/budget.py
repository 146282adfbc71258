"""Per-user text budget: at most N alert texts in any 60 seconds, the rest in one digest.

A busy open must not send a user 200 texts. The rule, per user:

- an alert arrives at ``t``: if alerts are already held for a digest, it is
  held too (so nothing overtakes the digest); otherwise it is texted when
  fewer than N texts went out in ``(t - 60 s, t]``, else held;
- at a flush at ``t``: once the oldest held alert has waited the digest
  window, one digest text carries all held alerts, if the 60-second budget
  has room (a digest counts as a text).

Pure and deterministic: times are passed in (aware datetimes).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

__all__ = ["TextBudget"]

T = TypeVar("T")
_MINUTE = timedelta(seconds=60)


@dataclass(slots=True)
class _UserBudget(Generic[T]):
    sent: deque[datetime] = field(default_factory=deque)
    held: list[T] = field(default_factory=list)
    first_held_at: datetime | None = None


class TextBudget(Generic[T]):
    """The rule above; ``T`` is whatever the caller holds (alerts)."""

    def __init__(self, per_minute: int, digest_window_seconds: float) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._limit = per_minute
        self._window = timedelta(seconds=digest_window_seconds)
        self._users: dict[str, _UserBudget[T]] = {}
        self._holding: set[str] = set()  # users with held alerts: the only ones a flush visits

    def _room(self, budget: _UserBudget[T], at: datetime) -> bool:
        sent = budget.sent
        while sent and sent[0] <= at - _MINUTE:
            sent.popleft()
        return len(sent) < self._limit

    def offer(self, user_id: str, item: T, at: datetime) -> bool:
        """True: text ``item`` now (counted); False: it is held for the next digest."""
        budget = self._users.setdefault(user_id, _UserBudget())
        if not budget.held and self._room(budget, at):
            budget.sent.append(at)
            return True
        if not budget.held:
            budget.first_held_at = at
            self._holding.add(user_id)
        budget.held.append(item)
        return False

    def hold(self, user_id: str, item: T, at: datetime) -> None:
        """Hold ``item`` for the next digest without offering it (a recovered held text)."""
        budget = self._users.setdefault(user_id, _UserBudget())
        if not budget.held:
            budget.first_held_at = at
            self._holding.add(user_id)
        budget.held.append(item)

    def due_digests(self, at: datetime) -> list[tuple[str, list[T]]]:
        """Digests to send now, per user (each counted as one text); they are cleared."""
        due: list[tuple[str, list[T]]] = []
        for user_id in sorted(self._holding):
            budget = self._users[user_id]
            first = budget.first_held_at
            if first is None or at - first < self._window or not self._room(budget, at):
                continue
            budget.sent.append(at)
            due.append((user_id, budget.held))
            budget.held = []
            budget.first_held_at = None
            self._holding.discard(user_id)
        return due

    def held(self, user_id: str) -> int:
        """How many alerts wait in the user's digest."""
        budget = self._users.get(user_id)
        return 0 if budget is None else len(budget.held)

    def users(self) -> list[str]:
        """The users with a budget (a text sent in the last minute or alerts held)."""
        return list(self._users)

    def forget(self, user_id: str) -> list[T]:
        """Drop the user's budget (after STOP); returns what was held."""
        budget = self._users.pop(user_id, None)
        self._holding.discard(user_id)
        return [] if budget is None else budget.held
