"""The Temporal worker: runs ``TradeLifecycle`` workflows and their activities.

``tradeassist worker`` calls :func:`run_worker`; ``tradeassist run`` calls it
too, against the bundled dev server. The defaults are the embedded ones (the
console SMS outbox under the data folder, prices from the bar cache);
production passes the notifier's Twilio sender and the screener's prices.

Run it alone with ``python -m tradeassist.workflows.worker`` (settings from the
environment, stops on SIGINT/SIGTERM).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from tradeassist.errors import NotConfiguredError
from tradeassist.settings import Settings, load_settings
from tradeassist.signals import stop_on_signals
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.types import utcnow
from tradeassist.workflows.activities import TradeActivities
from tradeassist.workflows.bar_prices import BarFollower
from tradeassist.workflows.inputs import TASK_QUEUE
from tradeassist.workflows.ports import (
    BarCachePriceSource,
    Clock,
    OutboxSmsSender,
    PriceSource,
    SmsSender,
)
from tradeassist.workflows.watcher import PriceWatcher, temporal_signaller
from tradeassist.workflows.workflows import TradeLifecycle

__all__ = [
    "DEFAULT_TEMPORAL_ADDRESS",
    "OUTBOX_FILE",
    "build_worker",
    "connect",
    "run_worker",
    "serve_worker",
]

log = logging.getLogger(__name__)

DEFAULT_TEMPORAL_ADDRESS = "127.0.0.1:7233"
#: The console outbox's file name inside the data folder.
OUTBOX_FILE = "sms_outbox.jsonl"
# After a worker dies, its workflows' next tasks wait this long on its sticky
# queue before any other worker may take them: short, so a stop is honoured
# within seconds of a crash (Temporal's default is 10 s).
_STICKY_TIMEOUT = timedelta(seconds=3)


async def connect(settings: Settings) -> Client:
    """A client for ``TEMPORAL_ADDRESS`` (default 127.0.0.1:7233) and the namespace.

    Raises ``NotConfiguredError`` (one line) when nothing answers there.
    """
    address = settings.temporal_address or DEFAULT_TEMPORAL_ADDRESS
    try:
        return await Client.connect(address, namespace=settings.temporal_namespace)
    except RuntimeError as exc:  # the SDK's "failed client connect"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NotConfiguredError(
            f"cannot reach Temporal at {address} (set TEMPORAL_ADDRESS): {reason}"
        ) from None


def build_worker(
    client: Client, activities: TradeActivities, *, task_queue: str = TASK_QUEUE
) -> Worker:
    """A worker for the lifecycle workflow and ``activities`` (not started)."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TradeLifecycle],
        activities=activities.all(),
        sticky_queue_schedule_to_start_timeout=_STICKY_TIMEOUT,
    )


async def run_worker(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    client: Client | None = None,
    sender: SmsSender | None = None,
    prices: PriceSource | None = None,
    clock: Clock | None = None,
    follow_bars: bool = False,
) -> None:
    """Run the worker until ``stop`` is set (forever without one).

    Connects to ``settings.temporal_address`` unless a ``client`` is given;
    uses the configured database; ``sender`` defaults to the console outbox
    (``<data_dir>/sms_outbox.jsonl``), ``prices`` to the bar cache.
    ``follow_bars``: also signal open trades from the one-minute bars the
    screener stores (a screener in another process; see
    :mod:`~tradeassist.workflows.bar_prices`).
    """
    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    try:
        client = client or await connect(settings)
        activities = TradeActivities(
            sessions,
            sender=sender or OutboxSmsSender(settings.data_dir / OUTBOX_FILE),
            prices=prices or BarCachePriceSource(sessions),
            clock=clock or utcnow,
        )
        worker = build_worker(client, activities)
        target = client.service_client.config.target_host
        log.info("Temporal worker on %s, task queue %s", target, TASK_QUEUE)
        stopping = stop or asyncio.Event()
        async with worker:
            if not follow_bars:
                await stopping.wait()
                return
            follower = BarFollower(sessions, PriceWatcher(temporal_signaller(client)))
            log.info("following open trades' prices in the stored one-minute bars")
            await follower.run(stopping)
    finally:
        await engine.dispose()


async def serve_worker(settings: Settings) -> None:
    """``tradeassist worker``: run until SIGINT or SIGTERM, following the stored bars
    for prices (the screener runs in its own process)."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        await run_worker(settings, stop=stop, follow_bars=True)


async def _main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    await serve_worker(load_settings())


if __name__ == "__main__":
    asyncio.run(_main())
