"""Live alerts graded from stored bars, stored outcomes and their stats, on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.backtest.live import grade_pending_alerts
from tradeassist.backtest.run import run_backtest
from tradeassist.backtest.simulate_trades import TradeRules
from tradeassist.domain.alerts import Alert
from tradeassist.domain.bars import Bar
from tradeassist.feeds.simulator import SimulationSpec, simulate_day
from tradeassist.market_calendar import EASTERN
from tradeassist.settings import Settings
from tradeassist.store.alerts import StoredAlert, insert_alerts, list_alerts
from tradeassist.store.bars import upsert_bars
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.outcomes import (
    OutcomeStats,
    StoredOutcome,
    outcome_stats_by_type,
    outcomes_for,
)

Sessions = async_sessionmaker[AsyncSession]
Stats = dict[str, OutcomeStats]
DAY = dt.date(2026, 3, 10)
NS = 1_000_000_000
RULES = TradeRules(stop_pct=1.0, target_pct=2.0, slippage_bps=0, commission_per_share=0.005)


def et(clock: str) -> int:
    hour, minute, *rest = (int(p) for p in clock.split(":"))
    moment = dt.datetime.combine(DAY, dt.time(hour, minute, *rest), tzinfo=EASTERN)
    return int(moment.timestamp()) * NS


def bar(clock: str, o: float, h: float, low: float, c: float, symbol: str = "AAA") -> Bar:
    return Bar(symbol, et(clock), o, h, low, c, volume=1_000, trades=5, vwap=c)


def alert(alert_type: str, price: float, clock: str, symbol: str = "AAA") -> Alert:
    return Alert(symbol, alert_type, price, et(clock), DAY.isoformat(), clock[:5])


BARS = [
    bar("10:00", 50.40, 50.50, 49.90, 49.95),
    bar("10:01", 49.95, 50.10, 49.80, 49.90),
    bar("10:02", 49.90, 50.20, 49.70, 49.75),
    bar("10:10", 49.75, 49.80, 49.00, 49.10),
    bar("10:30", 49.50, 49.60, 49.40, 49.50),
    bar("15:59", 48.50, 48.50, 48.50, 48.50),
]


async def _store(sessions: Sessions, alerts: list[Alert], bars: list[Bar]) -> dict[str, int]:
    async with sessions() as session:
        await insert_alerts(session, alerts=alerts)
        await upsert_bars(session, bars=bars)
        await session.commit()
        stored = await list_alerts(session)
    return {s.alert.alert_type: s.id for s in stored}


async def test_a_live_alert_is_graded_in_stages_then_completed(sessions: Sessions) -> None:
    ids = await _store(sessions, [alert("gap_down", 50.00, "10:00:20")], BARS)
    alert_id = ids["gap_down"]

    # 10:04:30: bars are trusted up to 10:02:30, so only the 1-minute horizon is known
    assert await grade_pending_alerts(sessions, now_ns=et("10:04:30"), rules=RULES) == 1
    async with sessions() as session:
        early = (await outcomes_for(session, [alert_id]))[alert_id]
    assert early.complete is False
    assert early.returns["1m"] == pytest.approx(0.002, abs=1e-12)
    assert early.returns["30m"] is None and early.trade_pnl is None

    assert await grade_pending_alerts(sessions, now_ns=et("16:10"), rules=RULES) == 1
    async with sessions() as session:
        done = (await outcomes_for(session, [alert_id]))[alert_id]
    assert done.complete is True
    assert done.returns == pytest.approx(
        {"1m": 0.002, "5m": 0.005, "30m": 0.01, "close": 0.03}, abs=1e-12
    )
    assert done.mfe == pytest.approx(0.02, abs=1e-12)
    assert done.mae == pytest.approx(-0.004, abs=1e-12)
    assert done.trade_pnl == pytest.approx(99.00, abs=0.005)  # short 50.00 -> target 49.00

    assert await grade_pending_alerts(sessions, now_ns=et("16:20"), rules=RULES) == 0


async def test_outcome_stats_by_type(sessions: Sessions) -> None:
    alerts = [
        alert("gap_down", 50.00, "10:00:20"),  # short: +1% at 30 minutes, a hit
        alert("gap_up", 50.00, "10:00:40"),  # long on the same path: -1%, a miss
        alert("gap_up", 40.00, "10:00:50", symbol="BBB"),  # no bars at all: no returns
    ]
    await _store(sessions, alerts, BARS)
    await grade_pending_alerts(sessions, now_ns=et("16:10"), rules=RULES)

    async with sessions() as session:
        stats = await _stats(session)
        none = await _stats(session, since=et("10:01"))

    down, up = stats["gap_down"], stats["gap_up"]
    assert (down.graded, down.hits, down.hit_rate) == (1, 1, 1.0)
    assert down.mean_return == pytest.approx(
        {"1m": 0.002, "5m": 0.005, "30m": 0.01, "close": 0.03}, abs=1e-12
    )
    assert (up.graded, up.hits, up.hit_rate) == (1, 0, 0.0)  # BBB has no 30m return
    assert up.mean_return["30m"] == pytest.approx(-0.01, abs=1e-12)
    assert down.trades == 1 and down.total_pnl == pytest.approx(99.00, abs=0.005)
    assert none == {}


def test_a_backtest_stores_its_alerts_and_outcomes(database_url: str, tmp_path: Path) -> None:
    # Synchronous, as the CLI calls it: run_backtest runs its own event loop to store.
    sim = simulate_day(SimulationSpec(symbols=40, records=40_000, seed=3), out=tmp_path / "d.dbn")
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data")

    report = run_backtest(
        [sim.dbn_path],
        reference=sim.reference_path,
        out=tmp_path / "report.json",
        settings=settings,
        store=True,
    )

    stored, outcomes, stats = asyncio.run(_read_back(database_url))
    assert len(stored) == report.alerts > 0
    assert len(outcomes) == report.alerts and all(o.complete for o in outcomes.values())
    for alert_type, scorecard in report.by_type.items():
        assert stats[alert_type].graded == scorecard.graded
        assert stats[alert_type].hit_rate == pytest.approx(scorecard.hit_rate)
        assert stats[alert_type].mean_return["30m"] == pytest.approx(scorecard.mean_return["30m"])


async def _read_back(url: str) -> tuple[list[StoredAlert], dict[int, StoredOutcome], Stats]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            stored = await list_alerts(session, limit=1000)
            outcomes = await outcomes_for(session, [s.id for s in stored])
            return stored, outcomes, await _stats(session)
    finally:
        await engine.dispose()


async def _stats(session: AsyncSession, since: int | None = None) -> Stats:
    found = await outcome_stats_by_type(session, since=since, until=None)
    return {s.alert_type: s for s in found}
