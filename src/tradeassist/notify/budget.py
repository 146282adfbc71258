"""Per-user text budget: at most N alert texts in any 60 seconds, the rest in one digest.

A busy open must not send a user 200 texts. The rule, per user:

- an alert arrives at ``t``: if alerts are already held for a digest, it is
  held too (so nothing overtakes the digest); otherwise it is texted when
  fewer than N texts went out in ``(t - 60 s, t]``, else held;
- at a flush at ``t``: once the oldest held alert has waited the digest
  window, one digest text carries all held alerts, if the 60-second budget
  has room (a digest counts as a text).

:class:`TextRule` is the rule over one user's :class:`UserWindow`; pure and
deterministic (times are passed in, aware datetimes). :class:`TextBudget`
keeps every user's window and held alerts in memory (one notifier); the
Redis adapter (:mod:`tradeassist.notify.shared_budget`) keeps them in Redis
and applies the same rule, so replicas share one budget.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

__all__ = ["PERIOD", "TextBudget", "TextRule", "UserWindow"]

T = TypeVar("T")

#: The span the limit counts texts over.
PERIOD = timedelta(seconds=60)


@dataclass(slots=True)
class UserWindow:
    """What the rule knows of one user: when recent texts went out (oldest first), and
    since when alerts are held for a digest (None: nothing is held)."""

    sent: deque[datetime] = field(default_factory=deque)
    holding_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class TextRule:
    """The rule in the module docstring; methods update the window they are given."""

    per_minute: int
    digest_window: timedelta
    period: timedelta = PERIOD

    def __post_init__(self) -> None:
        if self.per_minute < 1:
            raise ValueError("per_minute must be at least 1")

    def room(self, window: UserWindow, at: datetime) -> bool:
        """Fewer than ``per_minute`` texts in ``(at - period, at]`` (older ones are dropped)."""
        sent = window.sent
        while sent and sent[0] <= at - self.period:
            sent.popleft()
        return len(sent) < self.per_minute

    def offer(self, window: UserWindow, at: datetime) -> bool:
        """True: text the alert now (counted); False: hold it for the digest."""
        if window.holding_since is None and self.room(window, at):
            window.sent.append(at)
            return True
        self.hold(window, at)
        return False

    def hold(self, window: UserWindow, at: datetime) -> None:
        """An alert joins the digest (without being offered)."""
        if window.holding_since is None:
            window.holding_since = at

    def take_digest(self, window: UserWindow, at: datetime) -> bool:
        """True: the digest is due and has room; it is counted and the window holds nothing."""
        since = window.holding_since
        if since is None or at - since < self.digest_window or not self.room(window, at):
            return False
        window.sent.append(at)
        window.holding_since = None
        return True


@dataclass(slots=True)
class _UserBudget(Generic[T]):
    window: UserWindow = field(default_factory=UserWindow)
    held: list[T] = field(default_factory=list)


class TextBudget(Generic[T]):
    """The rule for every user of one process, in memory; ``T`` is what is held (alerts)."""

    def __init__(
        self, per_minute: int, digest_window_seconds: float, *, period: timedelta = PERIOD
    ) -> None:
        self._rule = TextRule(per_minute, timedelta(seconds=digest_window_seconds), period)
        self._users: dict[str, _UserBudget[T]] = {}
        self._holding: set[str] = set()  # users with held alerts: the only ones a flush visits

    def offer(self, user_id: str, item: T, at: datetime) -> bool:
        """True: text ``item`` now (counted); False: it is held for the next digest."""
        budget = self._users.setdefault(user_id, _UserBudget())
        if self._rule.offer(budget.window, at):
            return True
        budget.held.append(item)
        self._holding.add(user_id)
        return False

    def hold(self, user_id: str, item: T, at: datetime) -> None:
        """Hold ``item`` for the next digest without offering it (a recovered held text)."""
        budget = self._users.setdefault(user_id, _UserBudget())
        self._rule.hold(budget.window, at)
        budget.held.append(item)
        self._holding.add(user_id)

    def due_digests(
        self, at: datetime, accept: Callable[[str], bool] | None = None
    ) -> list[tuple[str, list[T]]]:
        """Digests to send now, per user (each counted as one text); they are cleared.

        ``accept``: only users it says yes to (the others' digests stay held).
        """
        due: list[tuple[str, list[T]]] = []
        for user_id in sorted(self._holding):
            if accept is not None and not accept(user_id):
                continue
            budget = self._users[user_id]
            if not self._rule.take_digest(budget.window, at):
                continue
            due.append((user_id, budget.held))
            budget.held = []
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
