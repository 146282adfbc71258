"""Real connections: Supabase-shaped URLs work, bad ones fail in one clean line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.engine import make_url

from tradeassist.domain.alerts import Alert
from tradeassist.errors import StorageError
from tradeassist.store.alerts import insert_alerts, list_alerts
from tradeassist.store.database import create_engine, ping, session_factory
from tradeassist.store.migrate import upgrade

MakeDatabase = Callable[..., Awaitable[str]]
PASSWORD = "hunter2pw"


def _supabase_shaped(url: str, query: str) -> str:
    """``url`` as Supabase shows it: plain ``postgresql://``, libpq parameters."""
    parsed = make_url(url)
    return f"postgresql://{parsed.username}@{parsed.host}:{parsed.port}/{parsed.database}?{query}"


def _alert(n: int) -> Alert:
    return Alert("AAPL", "volume_spike", 10.0, 1_773_149_400_000_000_000 + n, "2026-03-10", f"{n}")


async def _assert_clean_failure(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        await upgrade(url)

    message = str(caught.value)
    assert PASSWORD not in message
    assert "\n" not in message
    assert message.startswith("cannot migrate the database at ")


async def test_an_unreachable_server_is_a_clean_storage_error() -> None:
    await _assert_clean_failure(f"postgresql://app:{PASSWORD}@127.0.0.1:1/app?sslmode=disable")


async def test_ping_of_an_unreachable_server_is_a_storage_error() -> None:
    engine = create_engine(f"postgresql://app:{PASSWORD}@127.0.0.1:1/app")

    with pytest.raises(StorageError, match="cannot connect"):
        await ping(engine)
    await engine.dispose()


@pytest.mark.postgres
async def test_bad_credentials_are_a_clean_storage_error(postgres_admin_url: str) -> None:
    host = make_url(postgres_admin_url)
    await _assert_clean_failure(
        f"postgresql://no_such_role_ta:{PASSWORD}@{host.host}:{host.port}/postgres"
    )


@pytest.mark.postgres
async def test_a_missing_database_is_a_clean_storage_error(postgres_admin_url: str) -> None:
    host = make_url(postgres_admin_url).set(password=PASSWORD)
    await _assert_clean_failure(
        host.set(database="no_such_database_ta").render_as_string(hide_password=False)
    )


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["sslmode=disable", "sslmode=disable&pgbouncer=true"])
async def test_a_supabase_shaped_url_connects_and_stores(
    make_postgres_database: MakeDatabase, query: str
) -> None:
    url = _supabase_shaped(await make_postgres_database(), query)

    await upgrade(url)
    engine = create_engine(url)
    await ping(engine)
    sessions = session_factory(engine)
    for batch in range(3):  # repeated statements: no stale or clashing prepared statements
        async with sessions() as session:
            await insert_alerts(session, alerts=[_alert(batch * 10 + i) for i in range(5)])
            await session.commit()
    async with sessions() as session:
        stored = await list_alerts(session, limit=100)
    await engine.dispose()

    assert len(stored) == 15
