"""``tradeassist run``: the whole product in one process tree on the embedded defaults.

The screener reads a simulated market day (written once under the data dir)
through a loopback Databento Live gateway with the official client, exactly
as it would read Databento; alerts go to the database and, through the
in-process bus, to the API's WebSocket clients; the API serves the dashboard
when it has been built. With ``DATABENTO_API_KEY`` set, the real feed is used
instead of the simulated one. Ctrl-C stops everything.

Trades run on Temporal (the bundled dev server unless ``TEMPORAL_ADDRESS``
is set) with a worker in this process: the SMS conversation proposes,
confirms, closes and moves stops through a ``TemporalTradeDesk``, and a price
tap on the screener's feed signals open trades when a level is crossed. If
Temporal cannot start, trade commands are only recorded (and the log says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from tradeassist.bus.memory import InProcessBus
from tradeassist.domain.trading import TradeDesk
from tradeassist.errors import ConfigError
from tradeassist.market_calendar import trading_calendar
from tradeassist.settings import Settings
from tradeassist.signals import stop_on_signals

if TYPE_CHECKING:
    import uvicorn

    from tradeassist.live.service import ScreenerSummary
    from tradeassist.workflows.price_tap import PriceTap

__all__ = [
    "DemoMarket",
    "Trading",
    "dashboard_dir",
    "demo_day",
    "prepare_demo",
    "run_everything",
    "start_trading",
]

log = logging.getLogger(__name__)

_DEMO_SYMBOLS = 400
_DEMO_RECORDS = 1_500_000
_DEMO_RATE = 10_000.0  # records per second: the simulated day plays in about 2.5 minutes


def demo_day(today: dt.date | None = None) -> dt.date:
    """The most recent trading session on or before ``today`` (US/Eastern)."""
    calendar = trading_calendar()
    day = today or calendar.eastern_date(time.time_ns())
    return day if calendar.is_session(day) else calendar.previous_session_day(day)


class DemoMarket:
    """The simulated day the embedded mode streams: written once, reused afterwards."""

    def __init__(self, data_dir: Path, day: dt.date) -> None:
        self.day = day
        self.folder = data_dir / "demo"
        self.dbn = self.folder / f"{day.isoformat()}.dbn"
        self.reference = self.folder / f"{day.isoformat()}.reference.csv"

    def ensure(self) -> None:
        if self.dbn.exists() and self.reference.exists():
            return
        from tradeassist.feeds.simulator import SimulationSpec, simulate_day

        self.folder.mkdir(parents=True, exist_ok=True)
        simulate_day(
            SimulationSpec(symbols=_DEMO_SYMBOLS, records=_DEMO_RECORDS, day=self.day, seed=7),
            out=self.dbn,
            progress=False,
        )


def dashboard_dir() -> Path | None:
    """The dashboard's static export when it has been built (``make run`` builds it)."""
    out = Path(__file__).resolve().parents[2] / "dashboard" / "out"
    return out if (out / "index.html").exists() else None


def prepare_demo(settings: Settings) -> DemoMarket | None:
    """Write the simulated day once, unless a Databento key makes the feed real."""
    if settings.databento_api_key is not None:
        return None
    market = DemoMarket(settings.data_dir, demo_day())
    market.ensure()
    return market


async def run_everything(
    settings: Settings,
    *,
    host: str,
    port: int,
    market: DemoMarket | None,
    reference: Path | None,
    static_dir: Path | None,
) -> None:
    """Screener, API, dashboard and trade lifecycle in this event loop until Ctrl-C or SIGTERM.

    ``market`` is the simulated day to stream (None: the real Databento feed,
    screened against ``reference``).
    """
    from tradeassist.api.server import build_server
    from tradeassist.feeds.databento.feed_types import MarketFeed
    from tradeassist.feeds.databento.gateway import LoopbackGateway, generate_api_key
    from tradeassist.live.metrics import ScreenerStatus
    from tradeassist.live.service import live_feed, run_screener
    from tradeassist.workflows.price_tap import TappedFeed

    bus = InProcessBus()
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as exits:
        exits.enter_context(stop_on_signals(stop))
        trading = await start_trading(settings, exits, stop, simulated=market is not None)
        gateway: LoopbackGateway | None = None
        screening: asyncio.Task[ScreenerSummary] | None = None
        try:
            status = ScreenerStatus()
            # Readiness checks the feed this process screens and the Temporal it started.
            api_settings = settings.model_copy(update={"temporal_address": trading.address})
            day_start_ns = (
                trading_calendar().day_bounds_ns(market.day)[0] if market is not None else None
            )

            def market_clock_ns() -> int:
                # A simulated day runs on its own clock: the latest record's time.
                if day_start_ns is None:
                    return time.time_ns()
                return status.feed.last_ts_event or day_start_ns

            server = build_server(
                settings=api_settings,
                market_clock_ns=market_clock_ns,
                host=host,
                port=port,
                bus=bus,
                static_dir=static_dir,
                desk=trading.desk,
                screener=status,
            )
            screener_settings = settings
            start_ns: int | None = None
            if market is not None:
                key = generate_api_key()
                gateway = LoopbackGateway.for_file(market.dbn, api_key=key, rate=_DEMO_RATE)
                gateway_port = await gateway.start()
                screener_settings = settings.model_copy(
                    update={
                        "databento_api_key": SecretStr(key),
                        "databento_gateway": "127.0.0.1",
                        "databento_port": gateway_port,
                        "databento_dataset": gateway.source.dataset,
                        "databento_status": "off",  # the simulated market has no halts
                    }
                )
                start_ns = trading_calendar().day_bounds_ns(market.day)[0]
                reference = market.reference
            elif reference is None:
                raise ConfigError("with DATABENTO_API_KEY set, `run` needs --reference FILE")
            feed: MarketFeed = live_feed(screener_settings, start_ns=start_ns)
            if trading.tap is not None:
                feed = TappedFeed(feed, trading.tap)
            screening = asyncio.create_task(
                run_screener(
                    screener_settings,
                    reference=reference,
                    stop=stop,
                    feed=feed,
                    bus=bus,
                    status=status,
                ),
                name="screener",
            )
            await _serve_until_done(server, screening, stop)
        finally:
            stop.set()
            # Also after Ctrl-C cancelled the wait above: the screener stores what it has.
            if screening is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(screening, timeout=15)
            if gateway is not None:
                await gateway.close()
            for task in trading.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=10)


async def _serve_until_done(
    server: uvicorn.Server, screening: asyncio.Task[ScreenerSummary], stop: asyncio.Event
) -> None:
    """Serve the API beside the screener; after the simulated day, go on serving."""
    serving = asyncio.create_task(server.serve(), name="api")
    stopping = asyncio.create_task(_exit_when(stop, server))
    try:
        done, _ = await asyncio.wait({screening, serving}, return_when=asyncio.FIRST_COMPLETED)
        if serving in done and screening not in done:
            stop.set()
            await screening
        elif screening in done:
            screening.result()  # a screener error surfaces here
            await serving  # the simulated day is over: keep serving the dashboard
    finally:
        stop.set()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(serving, timeout=10)
        stopping.cancel()


async def _exit_when(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True


@dataclass
class Trading:
    """The trade lifecycle of ``run``: the desk the SMS conversation calls, the price
    tap on the screener's feed (None without Temporal) and the tasks to wait for."""

    desk: TradeDesk
    address: str | None = None
    tap: PriceTap | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def start_trading(
    settings: Settings, exits: contextlib.AsyncExitStack, stop: asyncio.Event, *, simulated: bool
) -> Trading:
    """The Temporal dev server (unless TEMPORAL_ADDRESS is set), a lifecycle worker, a
    Temporal trade desk and the price tap that signals open trades from the screener.

    Trades need Temporal, alerts do not: if it cannot start, say why and go on
    with a desk that only records what the users asked for. ``simulated``: the
    feed is a simulated day on its own clock, so prints are not compared with
    the (wall-clock) fill times.
    """
    from tradeassist.errors import TradeAssistError
    from tradeassist.notify.desk import RecordingTradeDesk
    from tradeassist.store.database import create_engine, session_factory
    from tradeassist.workflows.desk import TemporalTradeDesk
    from tradeassist.workflows.devserver import temporal_address
    from tradeassist.workflows.ports import BarCachePriceSource
    from tradeassist.workflows.price_tap import PriceTap, store_refresh
    from tradeassist.workflows.watcher import PriceWatcher, temporal_signaller
    from tradeassist.workflows.worker import connect, run_worker

    try:
        address = await exits.enter_async_context(
            temporal_address(settings.temporal_address, settings.data_dir)
        )
        worker_settings = settings.model_copy(update={"temporal_address": address})
        client = await connect(worker_settings)
    except (TradeAssistError, OSError) as exc:
        log.warning(
            "trade lifecycle unavailable (%s): trade commands are recorded, nothing is traded",
            exc,
        )
        return Trading(RecordingTradeDesk())
    engine = create_engine(settings.resolved_database_url)
    exits.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    tap = PriceTap(
        PriceWatcher(temporal_signaller(client)),
        fallback=BarCachePriceSource(sessions),
        min_size=settings.min_trade_size,
    )
    desk = TemporalTradeDesk(
        client,
        sessions,
        prices=tap,
        risk_per_trade=settings.risk_per_trade,
        daily_loss_limit=settings.daily_loss_limit or None,
        confirm_timeout_s=settings.confirm_timeout_seconds,
    )
    working = asyncio.create_task(
        run_worker(worker_settings, stop=stop, client=client, prices=tap), name="trade-worker"
    )
    tapping = asyncio.create_task(
        tap.run(stop, store_refresh(sessions, since_entry=not simulated)), name="price-tap"
    )
    log.info("trade lifecycle on Temporal at %s; prices tapped from the screener", address)
    return Trading(desk, address, tap, [working, tapping])
