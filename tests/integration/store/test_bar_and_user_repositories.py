"""One-minute bars and users on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.alerts import parse_ns
from tradeassist.domain.bars import Bar
from tradeassist.errors import ConflictError, InputError
from tradeassist.store.bars import list_bars, upsert_bars
from tradeassist.store.users import find_user_by_phone, get_or_create_user, get_user

Sessions = async_sessionmaker[AsyncSession]
OPEN_NS = parse_ns("2026-03-10T14:30:00Z")
MINUTE_NS = 60_000_000_000
USER_A = "5d9f7c1e-0000-4000-8000-00000000000a"
USER_B = "5d9f7c1e-0000-4000-8000-00000000000b"


def make_bar(minute: int, close: float, symbol: str = "AAPL") -> Bar:
    return Bar(
        symbol=symbol,
        start_ns=OPEN_NS + minute * MINUTE_NS,
        open=100.0,
        high=max(100.0, close),
        low=min(100.0, close),
        close=close,
        volume=12_345,
        trades=67,
        vwap=100.5,
    )


async def test_bars_upsert_replaces_and_reads_back_in_order(sessions: Sessions) -> None:
    async with sessions() as session:
        await upsert_bars(session, bars=[make_bar(1, 101.0), make_bar(0, 99.0), make_bar(0, 98.0)])
        await upsert_bars(session, bars=[make_bar(1, 102.0), make_bar(0, 99.5, symbol="MSFT")])
        await session.commit()

    async with sessions() as session:
        bars = await list_bars(session, symbol="AAPL")
        later = await list_bars(
            session, symbol="AAPL", since=datetime.fromtimestamp((OPEN_NS + MINUTE_NS) / 1e9, UTC)
        )

    assert bars == [make_bar(0, 98.0), make_bar(1, 102.0)]
    assert later == [make_bar(1, 102.0)]


async def test_get_or_create_user_creates_once(sessions: Sessions) -> None:
    async with sessions() as session:
        created = await get_or_create_user(
            session, user_id=USER_A, email="a@example.com", phone="+15550000001"
        )
        again = await get_or_create_user(session, user_id=USER_A, role="admin")
        await session.commit()

    async with sessions() as session:
        by_id = await get_user(session, user_id=USER_A)
        by_phone = await find_user_by_phone(session, phone="+15550000001")
        nobody = await get_user(session, user_id=USER_B)

    assert created == again == by_id == by_phone
    assert created.role == "user"
    assert created.created_at.tzinfo is not None
    assert nobody is None


async def test_two_first_requests_of_a_new_user_create_one_row(sessions: Sessions) -> None:
    async def first_sight() -> str:
        async with sessions() as session:
            user = await get_or_create_user(session, user_id=USER_A)
            await session.commit()
            return user.id

    ids = await asyncio.gather(first_sight(), first_sight())

    assert ids == [USER_A, USER_A]


async def test_an_email_of_another_user_is_a_conflict(sessions: Sessions) -> None:
    async with sessions() as session:
        await get_or_create_user(session, user_id=USER_A, email="a@example.com")
        with pytest.raises(ConflictError):
            await get_or_create_user(session, user_id=USER_B, email="a@example.com")


async def test_an_unknown_role_is_refused(sessions: Sessions) -> None:
    async with sessions() as session:
        with pytest.raises(InputError):
            await get_or_create_user(session, user_id=USER_A, role="root")
