"""The one migration tree: a single head, up and down and up again, idempotent, no drift."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from tradeassist.store.database import create_engine
from tradeassist.store.migrate import VERSION_TABLE, current, downgrade, heads, upgrade
from tradeassist.store.tables import Base

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


def _ignore_outside_tables(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    if type_ == "table":
        return name in Base.metadata.tables
    return True


async def test_tables_module_matches_the_migrations(database_url: str) -> None:
    def diff(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": VERSION_TABLE,
                "compare_type": True,
                "include_object": _ignore_outside_tables,
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
