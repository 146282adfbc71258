"""Row-level security on PostgreSQL, as on Supabase: two users see only their own rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.migrate import downgrade, upgrade
from tradeassist.store.rls import as_user, set_user
from tradeassist.store.tables import SmsMessageRow, TradeRow, UserRow

pytestmark = pytest.mark.postgres

MakeDatabase = Callable[..., Awaitable[str]]
TEST_ROLE = "tradeassist_rls_test"
USER_A = "5d9f7c1e-0000-4000-8000-00000000000a"
USER_B = "5d9f7c1e-0000-4000-8000-00000000000b"

CREATE_TEST_ROLE = f"""
DO $$
BEGIN
  CREATE ROLE {TEST_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT authenticated TO {TEST_ROLE};
"""


async def _psql(url: str, sql: str) -> Any:
    """Run ``sql`` (one query, or a script whose result is not needed) as the owner."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        if ";" in sql.rstrip().rstrip(";"):
            return await conn.execute(sql)
        return await conn.fetch(sql)
    finally:
        await conn.close()


@pytest.fixture
async def two_users_url(make_postgres_database: MakeDatabase) -> str:
    """A migrated database holding users A and B, each with one trade and one SMS."""
    url = await make_postgres_database()
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        for user, symbol in ((USER_A, "AAPL"), (USER_B, "TSLA")):
            session.add(UserRow(id=user))
            await session.flush()
            session.add(TradeRow(user_id=user, symbol=symbol, side="long", quantity=10))
            session.add(
                SmsMessageRow(
                    user_id=user, direction="out", from_number="+1", to_number="+2", body=symbol
                )
            )
        await session.commit()
    await engine.dispose()
    await _psql(url, CREATE_TEST_ROLE)
    return url


@pytest.fixture
async def app_session(two_users_url: str) -> AsyncIterator[AsyncSession]:
    """A session connected as a non-owner role, as the API connects on Supabase."""
    url = make_url(two_users_url).set(username=TEST_ROLE, password=None)
    engine = create_engine(url.render_as_string(hide_password=False))
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


async def test_each_user_sees_only_own_trades_and_messages(app_session: AsyncSession) -> None:
    async with as_user(app_session, user_id=USER_A):
        trades = (await app_session.scalars(select(TradeRow.symbol))).all()
        messages = (await app_session.scalars(select(SmsMessageRow.body))).all()
        users = (await app_session.scalars(select(UserRow.id))).all()
    await app_session.rollback()
    async with as_user(app_session, user_id=USER_B, claims={"email": "b@example.com"}):
        trades_b = (await app_session.scalars(select(TradeRow.symbol))).all()

    assert trades == ["AAPL"]
    assert messages == ["AAPL"]
    assert users == [USER_A]
    assert trades_b == ["TSLA"]


async def test_without_claims_the_role_sees_no_user_rows(app_session: AsyncSession) -> None:
    await app_session.execute(text("SET LOCAL ROLE authenticated"))

    trades = (await app_session.scalars(select(TradeRow.id))).all()

    assert trades == []


async def test_a_user_cannot_write_a_trade_for_another(app_session: AsyncSession) -> None:
    await set_user(app_session, user_id=USER_A)
    app_session.add(TradeRow(user_id=USER_A, symbol="MSFT", side="short", quantity=1))
    await app_session.flush()

    app_session.add(TradeRow(user_id=USER_B, symbol="MSFT", side="short", quantity=1))
    with pytest.raises(DBAPIError, match="row-level security"):
        await app_session.flush()


async def test_the_role_and_claims_end_with_the_transaction(app_session: AsyncSession) -> None:
    await set_user(app_session, user_id=USER_A)
    await app_session.commit()

    role = await app_session.scalar(text("SELECT current_user"))
    claims = await app_session.scalar(text("SELECT current_setting('request.jwt.claims', true)"))

    assert role == TEST_ROLE
    assert not claims


async def test_an_auth_schema_that_existed_before_survives_a_downgrade(
    make_postgres_database: MakeDatabase,
) -> None:
    url = await make_postgres_database(migrated=False)
    await _psql(
        url,
        "CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);"
        " CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$"
        " SELECT (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid"
        " $$;",
    )

    await upgrade(url)
    await downgrade(url)

    left = await _psql(
        url,
        "SELECT to_regprocedure('auth.uid()') IS NOT NULL AS uid,"
        " to_regclass('auth.users') IS NOT NULL AS users,"
        " to_regclass('public.trades') IS NOT NULL AS trades",
    )
    assert (left[0]["uid"], left[0]["users"], left[0]["trades"]) == (True, True, False)


async def test_supabase_uuid_auth_uid_works_with_the_policies(
    make_postgres_database: MakeDatabase,
) -> None:
    url = await make_postgres_database(migrated=False)
    await _psql(
        url,
        "CREATE SCHEMA auth; CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$"
        " SELECT (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid"
        " $$;",
    )
    await upgrade(url)
    await _psql(url, f"INSERT INTO users (id) VALUES ('{USER_A}'), ('{USER_B}')")
    engine = create_engine(url)

    async with session_factory(engine)() as session, as_user(session, user_id=USER_B):
        seen = (await session.scalars(select(UserRow.id))).all()
    await engine.dispose()

    assert seen == [USER_B]


async def test_a_downgrade_removes_the_auth_schema_it_created(
    make_postgres_database: MakeDatabase,
) -> None:
    url = await make_postgres_database(migrated=False)
    await upgrade(url)

    await downgrade(url)

    schemas = await _psql(url, "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'auth'")
    assert schemas[0]["n"] == 0
