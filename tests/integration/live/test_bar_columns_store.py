"""Bars stored from the engine's columns are the rows the object path stored (both databases).

The reference is the engine's former conversion (one ``Bar`` per row, Python
int arithmetic) written through the ORM's ``upsert_bars``; ``replay --store``'s
``ReplayStore`` and the live store process's ``SqlAlertStore`` write the columns directly.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
from live_helpers import SimDay
from sqlalchemy import text

from tradeassist.domain.bars import Bar
from tradeassist.feeds.dbn_file import open_dbn
from tradeassist.feeds.reference import load_reference
from tradeassist.live.alert_store import SqlAlertStore
from tradeassist.market_calendar import trading_calendar
from tradeassist.screener.bar_output import BarSet
from tradeassist.screener.config import ScreenerConfig
from tradeassist.screener.engine import ScreenerEngine
from tradeassist.screener.layout import BAR_COLUMNS
from tradeassist.screener.replay_store import ReplayStore
from tradeassist.store.bars import upsert_bars
from tradeassist.store.database import create_engine, session_factory

Rows = list[tuple[str, str, str]]
_ROWS = (
    "SELECT symbol, CAST(start AS TEXT), CAST(bar AS TEXT) FROM market_data_cache"
    " ORDER BY symbol, start"
)


def engine_bars(day: SimDay) -> list[BarSet]:
    """What the engine drains over the day in 4,096-record batches, plus edge cases."""
    engine = ScreenerEngine(
        config=ScreenerConfig(),
        reference=load_reference(day.reference),
        calendar=trading_calendar(),
    )
    out: list[BarSet] = []
    with open_dbn(day.dbn) as dbn:
        engine.set_symbols(dbn.symbols)
        for batch in dbn.iter_batches(4096):
            engine.process_sets(batch)
            out.append(engine.drain_bars())
    out.append(engine.finish())
    # A minute worth more than 2**53 micro-dollars (a $5,000 stock, 10M shares),
    # one with no volume, and a key repeated later in the stream (the last wins).
    last = next(s for s in reversed(out) if len(s))
    rows = np.zeros((3, BAR_COLUMNS), np.int64)
    rows[:2, 0] = [0, 1]
    rows[:2, 1] = last.start[-1] + 60_000_000_000  # a minute after the day's last bar
    rows[:2, 2:6] = [[5_000_123_456_789] * 4, [12_340_000_000] * 4]
    rows[0, 6:9] = [10_000_003, 41, 50_001_234_567_891_234]
    rows[2] = [last.slot[-1], last.start[-1], *[7_770_000_000] * 4, 300, 3, 2_331_000_000]
    out.append(BarSet.of_rows(rows, last.symbols))
    return out


def reference_bars(sets: list[BarSet]) -> list[Bar]:
    """The engine's former per-row conversion to Bar objects."""
    out: list[Bar] = []
    for s in sets:
        columns = (s.slot, s.start, s.open, s.high, s.low, s.close, s.volume, s.trades, s.pv)
        for slot, start, o, h, low, c, volume, trades, pv in zip(
            *(col.tolist() for col in columns), strict=True
        ):
            close = c / 1e9
            vwap = pv / volume / 1e6 if volume > 0 else close
            name = s.symbols[slot]
            out.append(Bar(name, start, o / 1e9, h / 1e9, low / 1e9, close, volume, trades, vwap))
    return out


async def stored_rows(url: str, *, clear: bool = False) -> Rows:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows = [(r[0], r[1], r[2]) for r in (await conn.execute(text(_ROWS))).all()]
            if clear:
                await conn.execute(text("DELETE FROM market_data_cache"))
        return rows
    finally:
        await engine.dispose()


async def store_objects(url: str, bars: list[Bar]) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await upsert_bars(session, bars=bars)
            await session.commit()
    finally:
        await engine.dispose()


async def store_live(url: str, sets: list[BarSet]) -> None:
    """The bars as the live store process writes them, one set at a time."""
    store = SqlAlertStore(url)
    await store.open()
    try:
        for bars in sets:
            await store.store_bars(bars)
    finally:
        await store.close()


def test_replay_store_and_live_writer_store_the_object_paths_rows(
    sim_day: SimDay, database_url: str, tmp_path: Path
) -> None:
    # Arrange: the engine's bars of a simulated day, and the rows the old path stored
    sets = engine_bars(sim_day)
    total = sum(len(s) for s in sets)
    asyncio.run(store_objects(database_url, reference_bars(sets)))
    expected = asyncio.run(stored_rows(database_url, clear=True))

    # Act: `replay --store`'s store, then the live writer, from the columns
    with ReplayStore(database_url) as store:
        for bars in sets:
            store.add([], bars)
        store.flush()
    replayed = asyncio.run(stored_rows(database_url, clear=True))
    asyncio.run(store_live(database_url, sets))
    live = asyncio.run(stored_rows(database_url))

    # Assert: the same rows, byte for byte, every bar stored once per key
    assert total > 1_000 and len(expected) == total - 1  # one key was repeated
    assert replayed == expected
    assert live == expected
