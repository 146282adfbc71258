"""The screener service: live feed -> screener engine -> store (and spool) -> bus.

``run_screener`` is what ``tradeassist screener`` runs. It screens until
SIGINT or SIGTERM (or ``stop`` is set), then stops cleanly: the feed closes
and hands over everything it received, the engine completes its open bars,
and the sink commits every alert (or spools it to disk if the database is
down) before returning, within ``STOP_BUDGET_S`` seconds in all.

A fresh start (or a restart after a crash) subscribes with an intraday replay
from ``start_ns`` (default: midnight US/Eastern of today), so the engine
rebuilds the day's state and re-derives the day's alerts; idempotency keys
store each alert once and only newly stored alerts are published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tradeassist.bus.base import AlertBus
from tradeassist.domain.alerts import parse_ns
from tradeassist.errors import ConfigError, InputError
from tradeassist.feeds.databento.feed_process import ProcessFeed
from tradeassist.feeds.databento.feed_types import MarketFeed
from tradeassist.feeds.databento.live import LiveFeedConfig, wants_status
from tradeassist.feeds.reference import load_reference
from tradeassist.live.metrics import LiveMetrics, ScreenerStatus
from tradeassist.live.pipeline import LivePipeline, warm_up
from tradeassist.live.shards import Shard, ShardFilter, parse_shard
from tradeassist.live.spool import AlertSpool
from tradeassist.live.writer import StoreWriter
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine
from tradeassist.settings import Settings
from tradeassist.signals import stop_on_signals

__all__ = [
    "STOP_BUDGET_S",
    "ScreenerSummary",
    "live_feed",
    "parse_start",
    "run_screener",
    "serve_screener",
    "session_start_ns",
]

log = logging.getLogger(__name__)

STOP_BUDGET_S = 8.0
"""Seconds a stop may take in all: feed, then sink, then bus."""
_FEED_STOP_S = 4.0
_SINK_STOP_S = 3.0
_BUS_STOP_S = 1.0
_SWITCH_INTERVAL_S = 0.0005


@dataclass(frozen=True, slots=True)
class ScreenerSummary:
    """What one run did."""

    records: int
    alerts_raised: int
    alerts_stored: int
    alerts_spooled: int
    reconnects: int

    def __str__(self) -> str:
        return (
            f"screened {self.records:,} records: {self.alerts_raised:,} alerts raised,"
            f" {self.alerts_stored:,} newly stored, {self.alerts_spooled:,} spooled;"
            f" {self.reconnects} reconnections"
        )


def parse_start(text: str | None) -> int | None:
    """``--start``: ISO-8601 time (UTC unless it says), UNIX ns, or ``all`` (everything the
    gateway still has); None: the default (midnight US/Eastern today). InputError otherwise."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.lower() == "all":
        return 0
    if value.isdigit():
        return int(value)
    try:
        return parse_ns(value)
    except ValueError:
        raise InputError(
            f"--start must be an ISO-8601 time, UNIX nanoseconds or 'all', not {text!r}"
        ) from None


def session_start_ns(now_ns: int | None = None) -> int:
    """Midnight US/Eastern of the day ``now_ns`` (default: now) falls on, UTC ns."""
    calendar = trading_calendar()
    day = calendar.eastern_date(time.time_ns() if now_ns is None else now_ns)
    return calendar.day_bounds_ns(day)[0]


def live_feed(settings: Settings, *, start_ns: int | None = None) -> ProcessFeed:
    """The Databento feed the settings describe; ConfigError without an API key."""
    if settings.databento_api_key is None:
        raise ConfigError("DATABENTO_API_KEY is not set: the screener needs it to stream live data")
    config = LiveFeedConfig(
        dataset=settings.databento_dataset,
        status=wants_status(settings.databento_dataset, settings.databento_status),
        gateway=settings.databento_gateway,
        port=settings.databento_port,
        start_ns=session_start_ns() if start_ns is None else start_ns,
    )
    return ProcessFeed(config, api_key=settings.databento_api_key)


def _bus_for(settings: Settings) -> AlertBus | None:
    """Redis Streams with ``REDIS_URL``; otherwise none: a screener on its own shares its
    alerts through the database, which the API and the notifier follow."""
    if settings.redis_url:
        from tradeassist.bus.redis_streams import RedisStreamBus

        return RedisStreamBus(settings.redis_url, stream=settings.redis_stream)
    return None


def _spool_path(settings: Settings, shard: Shard | None) -> Path:
    name = "alerts.jsonl" if shard is None else f"alerts-{shard.label}.jsonl"
    return settings.data_dir / "spool" / name


async def run_screener(
    settings: Settings,
    *,
    reference: Path,
    corporate_actions: Path | None = None,
    shard: tuple[int, int] | Shard | None = None,
    feed: MarketFeed | None = None,
    stop: asyncio.Event | None = None,
    start_ns: int | None = None,
    bus: AlertBus | None = None,
    metrics: LiveMetrics | None = None,
    status: ScreenerStatus | None = None,
) -> ScreenerSummary:
    """Screen the live feed until stopped; see the module docstring.

    ``shard`` (index, count) keeps the symbols of that shard only. ``feed``
    defaults to Databento Live from the settings (``start_ns``: the first
    subscription's replay start, default midnight US/Eastern today). ``stop``
    None: SIGINT and SIGTERM stop it. ``bus`` defaults to Redis Streams with
    ``REDIS_URL``, else none (the database is how other processes see alerts; pass
    the in-process bus when the API runs in this process). Raises ReferenceDataError,
    ConfigError, FeedError, AuthenticationError or StorageError (one line).
    """
    part = Shard(*shard) if isinstance(shard, tuple) else shard
    calendar = trading_calendar()
    ref = load_reference(reference, corporate_actions=corporate_actions, calendar=calendar)
    config = ScreenerConfig.from_settings(settings)
    engine = ScreenerEngine(config=config, reference=ref, calendar=calendar)
    warm_up(config, calendar)
    market = feed if feed is not None else live_feed(settings, start_ns=start_ns)
    status = status if status is not None else ScreenerStatus()
    metrics = metrics if metrics is not None else LiveMetrics()
    status.feed = market.status
    own_bus = bus is None
    alert_bus = _bus_for(settings) if bus is None else bus
    spool = AlertSpool(_spool_path(settings, part))
    writer = StoreWriter(
        settings.resolved_database_url, spool=spool, metrics=metrics, status=status, bus=alert_bus
    )
    pipeline = LivePipeline(engine, ShardFilter(part), writer.submit, metrics, status)
    stopping = stop if stop is not None else asyncio.Event()
    # The client decodes on its own thread: hand the GIL over within half a millisecond
    # (instead of 5), so a batch or a commit result never waits long for it.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, _SWITCH_INTERVAL_S))
    try:
        if alert_bus is not None:
            await alert_bus.start()
        with stop_on_signals(stopping) if stop is None else contextlib.nullcontext():
            await _serve(market, pipeline, writer, stopping, status)
    finally:
        if own_bus and alert_bus is not None:
            await alert_bus.close()
        spool.close()
        sys.setswitchinterval(switch)
    return ScreenerSummary(
        records=status.records,
        alerts_raised=status.alerts_raised,
        alerts_stored=status.alerts_stored,
        alerts_spooled=status.alerts_spooled,
        reconnects=status.feed.reconnects,
    )


async def _serve(
    feed: MarketFeed,
    pipeline: LivePipeline,
    writer: StoreWriter,
    stopping: asyncio.Event,
    status: ScreenerStatus,
) -> None:
    writing = writer.start()
    waiting = asyncio.create_task(stopping.wait())
    # The store's commit process first (a second or two to start), so the first
    # alerts do not wait for it.
    ready = asyncio.create_task(writer.ready())
    await asyncio.wait({ready, waiting, writing}, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    feeding = asyncio.create_task(feed.run(pipeline.on_batch), name="live-feed")
    status.running = True
    log.info("screener running")
    try:
        await asyncio.wait({feeding, waiting, writing}, return_when=asyncio.FIRST_COMPLETED)
        feed.stop()
        if not await _within(feeding, _FEED_STOP_S):
            log.warning("the feed did not stop within %.0f s", _FEED_STOP_S)
            feeding.cancel()
        pipeline.finish()
    finally:
        waiting.cancel()
        status.running = False
        await writer.close(_SINK_STOP_S, _BUS_STOP_S)
        log.info("screener stopped")
    if feeding.done() and not feeding.cancelled() and feeding.exception() is not None:
        raise feeding.exception()  # type: ignore[misc]


async def _within(task: asyncio.Task[None], seconds: float) -> bool:
    """Whether ``task`` ends within ``seconds``."""
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return bool(done)


def serve_screener(
    settings: Settings,
    *,
    reference: Path,
    corporate_actions: Path | None = None,
    shard: str | None = None,
    start: str | None = None,
) -> ScreenerSummary:
    """``tradeassist screener``: run until SIGINT or SIGTERM; ``shard`` as ``i/N`` and
    ``start`` as ``--start`` takes them (see :func:`parse_start`)."""
    part = parse_shard(shard) if shard else None
    start_ns = parse_start(start)
    return asyncio.run(
        run_screener(
            settings,
            reference=reference,
            corporate_actions=corporate_actions,
            shard=part,
            start_ns=start_ns,
        )
    )
