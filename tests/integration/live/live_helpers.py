"""A simulated day, the loopback gateway, and the screener service, for live tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from replayed import replay_alerts
from tradeassist.domain.alerts import Alert
from tradeassist.feeds.databento.gateway import LoopbackGateway, generate_api_key
from tradeassist.feeds.databento.live import LiveFeed, LiveFeedConfig
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.tables import AlertRow

DATASET = "TRADEASSIST.SIM"


@dataclass(frozen=True)
class SimDay:
    dbn: Path
    reference: Path
    records: npt.NDArray[np.void]
    replayed: list[dict[str, Any]]  # `tradeassist replay`'s alerts, in its order

    @property
    def sequences(self) -> list[int]:
        return [int(s) for s in self.records["sequence"]]


def make_sim_day(out: Path, *, symbols: int = 60, records: int = 30_000) -> SimDay:
    result = simulate_day(SimulationSpec(symbols=symbols, records=records, seed=3), out=out)
    with open_dbn(result.dbn_path) as dbn_file:
        array = np.concatenate([b.copy() for b in dbn_file.iter_batches()])
    replayed = replay_alerts(result.dbn_path, result.reference_path, out.with_name("replay.jsonl"))
    assert len(replayed) > 50
    return SimDay(result.dbn_path, result.reference_path, array, replayed)


def by_key(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contract dicts in a canonical order (stores order by commit, not by record)."""
    return sorted(alerts, key=lambda a: (a["trigger_time"], a["symbol"], a["alert_type"]))


async def stored_alerts(url: str) -> list[dict[str, Any]]:
    """Every stored alert in the replay contract's shape (as a JSON reader sees it)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = (await session.scalars(select(AlertRow).order_by(AlertRow.id))).all()
    finally:
        await engine.dispose()
    out = []
    for row in rows:
        alert = Alert(
            symbol=row.symbol,
            alert_type=row.alert_type,
            trigger_price=row.trigger_price,
            trigger_time_ns=row.trigger_time_ns,
            trading_day=row.trading_day.isoformat(),
            level=row.level,
            conditions=dict(row.conditions or {}),
            metadata=dict(row.alert_metadata or {}),
        )
        out.append(json.loads(json.dumps(alert.to_json_dict())))
    return out


def replay_keys(day: SimDay) -> list[tuple[str, str, str]]:
    return sorted((a["trigger_time"], a["symbol"], a["alert_type"]) for a in day.replayed)


async def start_gateway(
    day: SimDay, *, rate: float | None, key: str | None = None
) -> LoopbackGateway:
    gateway = LoopbackGateway.for_file(day.dbn, api_key=key or generate_api_key(), rate=rate)
    await gateway.start()
    return gateway


def fast_config(gateway: LoopbackGateway, **overrides: Any) -> LiveFeedConfig:
    """A feed on the gateway that notices trouble and retries within about a second."""
    options: dict[str, Any] = {
        "dataset": DATASET,
        "gateway": "127.0.0.1",
        "port": gateway.port,
        "start_ns": 0,
        "heartbeat_interval_s": 1,
        "stale_after_s": 1.5,
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.5,
    }
    options.update(overrides)
    return LiveFeedConfig(**options)


def feed_for(gateway: LoopbackGateway, **overrides: Any) -> LiveFeed:
    return LiveFeed(fast_config(gateway, **overrides), api_key=gateway.api_key)


async def eventually(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` after ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():  # noqa: ASYNC110 - polling state the code under test changes
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out after {seconds:g} s waiting for {what}") from None
