"""The live store's bulk bar upsert stores what the ORM path stores, under the same keys."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.bars import Bar
from tradeassist.live.alert_store import SqlAlertStore
from tradeassist.live.bar_upsert import bar_document, minute_start
from tradeassist.screener.bar_output import BarSet
from tradeassist.store.bars import list_bars, upsert_bars
from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.migrate import upgrade
from tradeassist.store.upsert import json_safe

_MINUTE = 60_000_000_000
_OPEN = 1_773_149_400_000_000_000  # 2026-03-10 13:30 UTC


def make_bar(symbol: str, minute: int, close: float, vwap: float = 10.5) -> Bar:
    start = _OPEN + minute * _MINUTE
    return Bar(symbol, start, 10.0, 11.25, 9.5, close, 1_200, 7, vwap)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{(tmp_path / 'bars.db').as_posix()}"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def write(url: str, bars: list[Bar]) -> None:
    """The bars through the live store process's store (as it writes them between alerts)."""
    store = SqlAlertStore(url)
    await store.open()
    try:
        await store.store_bars(BarSet.of_bars(bars))
    finally:
        await store.close()


@pytest.mark.parametrize("vwap", [10.5, 1 / 3, math.nan, math.inf])
def test_document_is_the_json_the_orm_writes(vwap: float) -> None:
    bar = make_bar("AAPL", 0, 10.1, vwap)
    expected = {
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": bar.volume,
        "trades": bar.trades,
        "vwap": bar.vwap,
    }

    document = bar_document(bar)

    assert document == json.dumps(json_safe(expected))


def test_minute_start_is_aware_utc() -> None:
    assert minute_start(_OPEN) == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)


async def test_written_bars_read_back_and_replace_orm_rows(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    # Arrange: a bar stored through the ORM path (as `replay --store` does)
    async with sessions() as s, s.begin():
        await upsert_bars(s, bars=[make_bar("AAPL", 0, 10.0)])
    bars = [make_bar("AAPL", 0, 10.4), make_bar("AAPL", 1, 10.6, 10.55)]
    bars += [make_bar(f"S{i}", i % 390, 12.0) for i in range(3_000)]

    # Act
    await write(f"sqlite+aiosqlite:///{(tmp_path / 'bars.db').as_posix()}", bars)

    # Assert: one row per key, the newest values, read back by the API's query
    async with sessions() as s:
        aapl = await list_bars(s, symbol="AAPL")
        others = await list_bars(s, symbol="S2999")
    assert [(b.start_ns, b.close) for b in aapl] == [(_OPEN, 10.4), (_OPEN + _MINUTE, 10.6)]
    assert aapl[1].vwap == pytest.approx(10.55) and aapl[0] == bars[0]
    assert others == [bars[-1]]
