"""Which users want an alert, and through which subscriptions: pure, indexed matching.

At the open the screener raises thousands of alerts a minute and thousands
of users subscribe, so an alert must not be compared with every
subscription. Each subscription is filed once, under the most selective key
it has: its symbols (a watchlist), else its alert types, else "everything".
An alert then looks at three small lists: the subscriptions naming its
symbol, those naming its type (any symbol), and those that take everything.

Prices are dollars; moves are percent of the previous close (absolute);
quiet hours are minutes of the day in the user's own time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "AlertFacts",
    "AutoTrade",
    "QuietHours",
    "SubscriptionIndex",
    "SubscriptionSpec",
    "UserMatch",
    "UserSpec",
    "parse_hhmm",
]

_FALLBACK_ZONE = "America/New_York"


def parse_hhmm(text: str | None) -> int | None:
    """Minutes after midnight for ``HH:MM``; None for None or anything malformed."""
    if not text:
        return None
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        return None
    h, m = int(hours), int(minutes)
    return h * 60 + m if 0 <= h < 24 and 0 <= m < 60 else None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local minutes ``[start, end)``; wraps past midnight when ``end < start``."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    @classmethod
    def from_text(cls, start: str | None, end: str | None) -> QuietHours | None:
        a, b = parse_hhmm(start), parse_hhmm(end)
        return None if a is None or b is None else cls(a, b)


@dataclass(frozen=True, slots=True)
class AutoTrade:
    """A subscription's auto-trade sizing: shares, or dollars risked to a stop in percent."""

    quantity: int | None = None
    risk: float | None = None  # dollars; None: the desk's risk per trade
    stop_pct: float | None = None  # percent from the trigger price; None: the default
    target_pct: float | None = None  # percent; None: no take-profit


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """One subscription as the matcher needs it (``None`` filters take everything)."""

    id: int
    user_id: str
    channels: frozenset[str]
    alert_types: frozenset[str] | None = None
    symbols: frozenset[str] | None = None
    min_price: float | None = None
    max_price: float | None = None
    min_pct_move: float | None = None
    quiet: QuietHours | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    name: str = ""
    auto_trade: AutoTrade | None = None

    def accepts(self, facts: AlertFacts) -> bool:
        """Type, symbol, price range and move; not quiet hours (those need the time)."""
        if self.alert_types is not None and facts.alert_type not in self.alert_types:
            return False
        if self.symbols is not None and facts.symbol not in self.symbols:
            return False
        if self.min_price is not None and facts.price < self.min_price:
            return False
        if self.max_price is not None and facts.price > self.max_price:
            return False
        if self.min_pct_move is not None:
            return facts.abs_pct is not None and facts.abs_pct >= self.min_pct_move
        return True


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user as the notifier sees them; ``sms_ok``: verified phone, opted in, not out."""

    id: str
    timezone: str = _FALLBACK_ZONE
    phone: str | None = None
    sms_ok: bool = False
    muted_until: datetime | None = None
    sms_alert_types: frozenset[str] | None = None

    def may_text(self, alert_type: str, at: datetime) -> bool:
        """Whether an alert of this type may be texted at ``at`` (phone, mute, type filter)."""
        if not self.sms_ok or self.phone is None:
            return False
        if self.muted_until is not None and at < self.muted_until:
            return False
        return self.sms_alert_types is None or alert_type in self.sms_alert_types


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What matching reads from an alert: type, symbol, price (dollars), |move| (percent)."""

    alert_type: str
    symbol: str
    price: float
    abs_pct: float | None

    @classmethod
    def of(
        cls, alert_type: str, symbol: str, price: float, conditions: Mapping[str, Any]
    ) -> AlertFacts:
        """Facts of an alert; ``pct_move`` comes from its conditions when it has one."""
        raw = conditions.get("pct_move")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return cls(alert_type, symbol, float(price), abs(float(raw)))
        return cls(alert_type, symbol, float(price), None)


@dataclass(slots=True)
class UserMatch:
    """One user's subscriptions that accept an alert and are not in quiet hours."""

    user: UserSpec
    subscriptions: list[SubscriptionSpec]

    @property
    def channels(self) -> frozenset[str]:
        out: set[str] = set()
        for sub in self.subscriptions:
            out |= sub.channels
        return frozenset(out)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(_FALLBACK_ZONE)


class SubscriptionIndex:
    """Subscriptions filed by symbol, else by type, else under "everything"; immutable."""

    def __init__(self, subscriptions: Iterable[SubscriptionSpec], users: Iterable[UserSpec]):
        self.users: dict[str, UserSpec] = {u.id: u for u in users}
        self._by_symbol: dict[str, list[SubscriptionSpec]] = defaultdict(list)
        self._by_type: dict[str, list[SubscriptionSpec]] = defaultdict(list)
        self._everything: list[SubscriptionSpec] = []
        self._zones: dict[str, ZoneInfo] = {}
        self.size = 0
        self.by_id: dict[int, SubscriptionSpec] = {}
        for sub in subscriptions:
            if sub.user_id not in self.users:
                continue
            self.size += 1
            self.by_id[sub.id] = sub
            if sub.symbols is not None:
                for symbol in sub.symbols:
                    self._by_symbol[symbol].append(sub)
            elif sub.alert_types is not None:
                for alert_type in sub.alert_types:
                    self._by_type[alert_type].append(sub)
            else:
                self._everything.append(sub)
        for user in self.users.values():
            self._zones.setdefault(user.timezone, _zone(user.timezone))

    def candidates(self, facts: AlertFacts) -> list[SubscriptionSpec]:
        """Every subscription that could accept the alert (a small superset)."""
        return (
            self._by_symbol.get(facts.symbol, [])
            + self._by_type.get(facts.alert_type, [])
            + self._everything
        )

    def match(self, facts: AlertFacts, at: datetime) -> dict[str, UserMatch]:
        """Per user id, the subscriptions accepting the alert at ``at`` outside quiet hours."""
        matches: dict[str, UserMatch] = {}
        local_minute: dict[str, int] = {}
        for sub in self.candidates(facts):
            if not sub.accepts(facts):
                continue
            user = self.users[sub.user_id]
            if sub.quiet is not None:
                minute = local_minute.get(user.timezone)
                if minute is None:
                    local = at.astimezone(self._zones[user.timezone])
                    minute = local_minute[user.timezone] = local.hour * 60 + local.minute
                if sub.quiet.contains(minute):
                    continue
            found = matches.get(user.id)
            if found is None:
                matches[user.id] = UserMatch(user, [sub])
            else:
                found.subscriptions.append(sub)
        return matches
