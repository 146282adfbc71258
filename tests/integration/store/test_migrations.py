"""The one migration tree: a single head, up and down and up again, idempotent, no drift."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Index, inspect, text
from sqlalchemy.engine import Connection

from tradeassist.store.database import create_engine
from tradeassist.store.migrate import VERSION_TABLE, current, downgrade, heads, upgrade
from tradeassist.store.tables import Base, index_applies

TABLES = {
    "screener_alerts",
    "trades",
    "users",
    "sms_messages",
    "market_data_cache",
    "alert_subscriptions",
    "api_keys",
    "webhook_deliveries",
    "audit_log",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_migrations_have_one_head() -> None:
    assert len(heads()) == 1


async def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    await upgrade(empty_database_url)
    assert await _tables(empty_database_url) >= TABLES
    assert await current(empty_database_url) == heads()

    await downgrade(empty_database_url)
    assert await current(empty_database_url) == []
    assert not (TABLES & await _tables(empty_database_url))

    await upgrade(empty_database_url)
    assert await _tables(empty_database_url) >= TABLES
    assert await current(empty_database_url) == heads()


async def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    before = await _tables(database_url)

    await upgrade(database_url)

    assert await _tables(database_url) == before
    assert await current(database_url) == heads()


async def test_two_processes_upgrading_at_once_both_succeed(empty_database_url: str) -> None:
    await asyncio.gather(upgrade(empty_database_url), upgrade(empty_database_url))

    assert await current(empty_database_url) == heads()


def _compared(dialect: str) -> Callable[..., bool]:
    """Our tables only, and only the indexes that exist on ``dialect``."""

    def include(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        if type_ == "table":
            return name in Base.metadata.tables
        if type_ == "index" and isinstance(obj, Index) and obj.table.name in Base.metadata.tables:
            return index_applies(obj, dialect)
        return True

    return include


async def test_tables_module_matches_the_migrations(database_url: str) -> None:
    def diff(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": VERSION_TABLE,
                "compare_type": True,
                "include_object": _compared(conn.dialect.name),
            },
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()

    assert differences == []


async def _indexes(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(lambda c: inspect(c).get_indexes(table))
            return {str(ix["name"]) for ix in found}
    finally:
        await engine.dispose()


async def test_0005_adds_the_api_query_indexes_and_downgrade_removes_them(
    empty_database_url: str,
) -> None:
    postgres = empty_database_url.startswith("postgresql")
    pattern = {"ix_screener_alerts_symbol_pattern"} if postgres else set()
    await upgrade(empty_database_url)
    added = {"ix_screener_alerts_symbol_alert_type_id", *pattern}
    assert added <= await _indexes(empty_database_url, "screener_alerts")
    bars_pattern = await _indexes(empty_database_url, "market_data_cache")
    assert ("ix_market_data_cache_symbol_pattern" in bars_pattern) == postgres

    await downgrade(empty_database_url, "0004")

    assert await current(empty_database_url) == ["0004"]
    assert not added & await _indexes(empty_database_url, "screener_alerts")
    assert "ix_market_data_cache_symbol_pattern" not in await _indexes(
        empty_database_url, "market_data_cache"
    )
    await upgrade(empty_database_url)
    assert added <= await _indexes(empty_database_url, "screener_alerts")


async def _plan(url: str, query: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SET enable_seqscan = off"))
                rows = await conn.execute(text(f"EXPLAIN {query}"))
            else:
                rows = await conn.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            return "\n".join(str(row[-1]) for row in rows)
    finally:
        await engine.dispose()


async def test_symbol_search_and_typed_pages_use_the_indexes(database_url: str) -> None:
    postgres = database_url.startswith("postgresql")
    prefix = "symbol LIKE 'AA%'" if postgres else "symbol GLOB 'AA*'"

    alerts = await _plan(database_url, f"SELECT symbol FROM screener_alerts WHERE {prefix}")
    bars = await _plan(database_url, f"SELECT symbol FROM market_data_cache WHERE {prefix}")
    page = await _plan(
        database_url,
        "SELECT id FROM screener_alerts WHERE symbol = 'AAPL' AND alert_type = 'gap_up' "
        "ORDER BY id DESC LIMIT 100",
    )

    if postgres:  # collation-proof: the pattern-ops indexes, not the C-collation luck
        assert "ix_screener_alerts_symbol_pattern" in alerts
        assert "ix_market_data_cache_symbol_pattern" in bars
    else:
        assert "USING COVERING INDEX" in alerts and "symbol>" in alerts
        assert "USING" in bars and "INDEX" in bars and "symbol>" in bars
    assert "ix_screener_alerts_symbol_alert_type_id" in page
    assert "sort" not in page.lower().replace("sorted", "")
