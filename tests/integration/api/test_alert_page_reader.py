"""The API's own asyncpg pool for plain alert pages gives exactly the engine's pages."""

from __future__ import annotations

import pytest
from api_helpers import Insert, make_alert

from tradeassist.store.alert_queries import (
    AlertFilter,
    AlertPageReader,
    StoreAlertSource,
    page_alert_records,
)
from tradeassist.store.database import create_engine, is_postgres

FILTERS = [
    AlertFilter(),
    AlertFilter(symbols=("TSLA",)),
    AlertFilter(alert_types=("volume_spike",)),
    AlertFilter(symbols=("AAPL",), alert_types=("gap_up",)),
    AlertFilter(symbols=("TSLA",), alert_types=("gap_up", "volume_spike")),
    AlertFilter(symbols=("AAPL", "TSLA"), alert_types=("gap_up", "volume_spike")),
]


async def test_pages_from_the_pool_equal_the_engines_pages(
    database_url: str, insert: Insert
) -> None:
    if not is_postgres(database_url):
        assert await AlertPageReader.open(database_url) is None
        return
    symbols, kinds = ("AAPL", "TSLA", "NVDA"), ("gap_up", "volume_spike")
    await insert(
        make_alert(symbols[i % 3], kinds[i % 2], at=1_773_151_200_000_000_000 + i)
        for i in range(30)
    )
    reader = await AlertPageReader.open(database_url)
    assert reader is not None
    engine = create_engine(database_url)
    try:
        for filt in FILTERS:
            for boundary, descending in ((None, True), (20, True), (None, False), (5, False)):
                pooled = await reader.page(filt, limit=4, boundary=boundary, descending=descending)
                async with engine.connect() as conn:
                    expected = await page_alert_records(
                        conn,
                        filt,
                        limit=4,
                        before_id=boundary if descending else None,
                        after_id=None if descending else boundary,
                        descending=descending,
                    )

                assert [tuple(r) for r in pooled] == [tuple(r) for r in expected]
                assert pooled, (filt, boundary, descending)
    finally:
        await reader.close()
        await engine.dispose()


@pytest.mark.parametrize("filt", [AlertFilter(since_ns=1), AlertFilter(min_pct=2.0)])
def test_only_plain_filters_take_the_pool(filt: AlertFilter) -> None:
    assert not AlertPageReader.serves(filt)
    assert AlertPageReader.serves(AlertFilter(symbols=("AAPL",), alert_types=("gap_up",)))


async def test_the_follower_polls_through_the_pool_and_reads_what_the_engine_reads(
    database_url: str, insert: Insert
) -> None:
    if not is_postgres(database_url):
        return
    await insert(make_alert("AAPL", at=1_773_151_200_000_000_000 + i, pct=i) for i in range(5))
    reader = await AlertPageReader.open(database_url)
    assert reader is not None
    engine = create_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        pooled = StoreAlertSource(engine, database_url, reader)
        plain = StoreAlertSource(engine, database_url)

        assert await pooled.last_id() == await plain.last_id() > 0
        got = await pooled.alerts_after(1, 10)
        assert got == await plain.alerts_after(1, 10)
        assert [a.alert.conditions for a in got] == [{"pct_move": float(i)} for i in range(1, 5)]
    finally:
        await reader.close()
        await engine.dispose()
