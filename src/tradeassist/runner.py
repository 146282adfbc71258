"""``tradeassist run``: the whole product in one process tree on the embedded defaults.

The screener reads a simulated market day (written once under the data dir)
through a loopback Databento Live gateway with the official client, exactly
as it would read Databento; alerts go to the database and, through the
in-process bus, to the API's WebSocket clients; the API serves the dashboard
when it has been built. With ``DATABENTO_API_KEY`` set, the real feed is used
instead of the simulated one. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from pathlib import Path

from pydantic import SecretStr

from tradeassist.bus.memory import InProcessBus
from tradeassist.errors import ConfigError
from tradeassist.market_calendar import trading_calendar
from tradeassist.settings import Settings

__all__ = ["DemoMarket", "dashboard_dir", "demo_day", "prepare_demo", "run_everything"]

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
    """Screener, API and dashboard in this event loop until Ctrl-C or SIGTERM.

    ``market`` is the simulated day to stream (None: the real Databento feed,
    screened against ``reference``).
    """
    from tradeassist.api.server import build_server
    from tradeassist.feeds.databento.gateway import LoopbackGateway, generate_api_key
    from tradeassist.live.service import run_screener

    bus = InProcessBus()
    stop = asyncio.Event()
    server = build_server(
        settings=settings,
        host=host,
        port=port,
        bus=bus,
        static_dir=static_dir,
    )
    gateway: LoopbackGateway | None = None
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
            }
        )
        start_ns = trading_calendar().day_bounds_ns(market.day)[0]
        reference = market.reference
    elif reference is None:
        raise ConfigError("with DATABENTO_API_KEY set, `run` needs --reference FILE")
    screening = asyncio.create_task(
        run_screener(screener_settings, reference=reference, stop=stop, start_ns=start_ns, bus=bus),
        name="screener",
    )
    serving = asyncio.create_task(server.serve(), name="api")
    exits = contextlib.AsyncExitStack()
    working = await _start_trade_worker(settings, exits, stop)
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
        if gateway is not None:
            await gateway.close()
        if working is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(working, timeout=10)
        await exits.aclose()


async def _start_trade_worker(
    settings: Settings, exits: contextlib.AsyncExitStack, stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """The Temporal dev server (unless TEMPORAL_ADDRESS is set) and a lifecycle worker.

    Trades need them, alerts do not: if Temporal cannot start, say why and go on.
    """
    from tradeassist.errors import TradeAssistError
    from tradeassist.workflows.devserver import temporal_address
    from tradeassist.workflows.worker import run_worker

    try:
        address = await exits.enter_async_context(
            temporal_address(settings.temporal_address, settings.data_dir)
        )
    except (TradeAssistError, OSError) as exc:
        log.warning("trade lifecycle unavailable: %s", exc)
        return None
    worker_settings = settings.model_copy(update={"temporal_address": address})
    return asyncio.create_task(run_worker(worker_settings, stop=stop), name="trade-worker")
