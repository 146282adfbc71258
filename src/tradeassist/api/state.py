"""Everything one app instance depends on, built in its lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tradeassist.api.auth import Authenticator
from tradeassist.api.broadcast import AlertBroadcaster
from tradeassist.api.live import AlertJson
from tradeassist.api.metrics import ApiMetrics, ScreenerProbe
from tradeassist.api.page_cache import PageCache
from tradeassist.api.ratelimit import RateLimiter
from tradeassist.bus.base import AlertBus
from tradeassist.notify.service import NotifyServices
from tradeassist.settings import Settings
from tradeassist.store.alert_queries import AlertPageReader

if TYPE_CHECKING:
    from tradeassist.api.background import Background

__all__ = ["ApiState", "StreamOptions"]


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """Live streams: heartbeat every ``heartbeat_seconds``; replay pages of ``page_size``."""

    heartbeat_seconds: float = 15.0
    page_size: int = 500


@dataclass(slots=True)
class ApiState:
    """The app's dependencies; ``clock_ns`` gives the wall time in UTC nanoseconds.

    ``market_clock_ns`` is the market's time: the wall clock, except under
    ``tradeassist run`` on a simulated day, where it is the feed's latest
    record time (what "today", "now" for bars and grading mean there).
    """

    settings: Settings
    database_url: str
    engine: AsyncEngine
    #: The same pool in autocommit: single-statement reads skip BEGIN and ROLLBACK.
    read_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: AlertBus
    auth: Authenticator
    limiter: RateLimiter
    metrics: ApiMetrics
    clock_ns: Callable[[], int]
    market_clock_ns: Callable[[], int]
    stream: StreamOptions
    alert_json: AlertJson
    page_cache: PageCache
    #: The one fan-out of live alerts to this process's WebSocket clients.
    broadcast: AlertBroadcaster
    screener: ScreenerProbe | None = None
    temporal_check: Callable[[], Awaitable[None]] | None = None
    max_feed_lag_seconds: float = 30.0
    #: The notifier (None: ``TRADEASSIST_NOTIFIER`` is off).
    notify: NotifyServices | None = None
    background: Background | None = None
    #: Plain alert pages on PostgreSQL through their own pool (None: through ``read_engine``).
    page_reader: AlertPageReader | None = None
