"""Phone verification by one-time code, and the daily cost caps."""

from __future__ import annotations

import pytest
from notify_helpers import Clock, MakeServices, add_user
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.errors import ConflictError, InputError
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.service import NotifyServices
from tradeassist.notify.sms.verification import PhoneVerifier
from tradeassist.store.tables import AuditLogRow, PhoneVerificationRow, SmsMessageRow, UserRow

PHONE = "+14155550100"


def verifier(services: NotifyServices, clock: Clock, code: str = "123456") -> PhoneVerifier:
    return PhoneVerifier(
        sessions=services.sessions,
        outbox=services.outbox,
        config=services.config,
        clock=clock,
        code_factory=lambda: code,
    )


async def user_row(sessions: async_sessionmaker[AsyncSession], user_id: str) -> UserRow:
    async with sessions() as session:
        row = await session.get(UserRow, user_id)
    assert row is not None
    return row


async def test_a_code_is_texted_and_verifies_the_number(
    services: NotifyServices,
    sessions: async_sessionmaker[AsyncSession],
    console: ConsoleTransport,
    clock: Clock,
) -> None:
    await add_user(sessions, "u1", None, verified=False, opted_in=False)
    checker = verifier(services, clock)

    started = await checker.start_verification("u1", "(415) 555-0100")
    await services.sender.run_once()

    assert started.phone == PHONE
    [(to, body)] = console.sent
    assert to == PHONE and "123456" in body
    assert "paper trading only" in body  # the first text to this user
    async with sessions() as session:
        stored = (await session.scalars(select(PhoneVerificationRow))).one()
    assert "123456" not in stored.code_hash
    assert await checker.check_verification("u1", " 123456 ") == PHONE
    user = await user_row(sessions, "u1")
    assert user.phone == PHONE and user.phone_verified_at == clock() and user.sms_opt_in
    async with sessions() as session:
        actions = (await session.scalars(select(AuditLogRow.action))).all()
    assert {"phone_verified", "sms_opt_in"} <= set(actions)


async def test_wrong_codes_count_and_void_the_code(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await add_user(sessions, "u1", None, verified=False, opted_in=False)
    checker = verifier(services, clock)
    await checker.start_verification("u1", PHONE)

    for _ in range(services.config.verification_max_attempts - 1):
        with pytest.raises(InputError, match="not right"):
            await checker.check_verification("u1", "000000")
    with pytest.raises(InputError, match="too many wrong codes"):
        await checker.check_verification("u1", "000000")
    with pytest.raises(InputError, match="no code is waiting"):
        await checker.check_verification("u1", "123456")
    assert (await user_row(sessions, "u1")).phone is None


async def test_codes_expire_and_resending_is_throttled(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await add_user(sessions, "u1", None, verified=False, opted_in=False)
    checker = verifier(services, clock)
    await checker.start_verification("u1", PHONE)

    with pytest.raises(ConflictError, match="wait"):
        await checker.start_verification("u1", PHONE)
    clock.advance(services.config.verification_ttl_seconds)
    with pytest.raises(InputError, match="expired"):
        await checker.check_verification("u1", "123456")


async def test_another_users_number_cannot_be_claimed(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    await add_user(sessions, "owner", PHONE)
    await add_user(sessions, "u2", None, verified=False, opted_in=False)

    with pytest.raises(ConflictError, match="another user"):
        await verifier(services, clock).start_verification("u2", PHONE)
    with pytest.raises(InputError):
        await verifier(services, clock).start_verification("u2", "call me maybe")


async def test_nothing_but_a_code_goes_to_an_unverified_number(
    services: NotifyServices, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessions, "u1", PHONE, verified=False)

    text = await services.outbox.enqueue(user_id="u1", to=PHONE, body="AAPL gap up", kind="alert")

    assert text.status == "blocked"
    assert await services.sender.run_once() == 0


async def test_daily_cost_caps_stop_texts_per_user_and_overall(
    make_services: MakeServices, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    services = make_services(cost_per_segment=0.01, daily_cap_per_user=0.025, daily_cap_total=0.035)
    await add_user(sessions, "u1", PHONE)
    await add_user(sessions, "u2", "+14155550111")

    async def text(user: str, to: str) -> str:
        return (await services.outbox.enqueue(user_id=user, to=to, body="x", kind="alert")).status

    # u1's first text carries the paper notice: 1 segment all the same.
    assert [await text("u1", PHONE) for _ in range(3)] == ["queued", "queued", "capped"]
    assert await text("u2", "+14155550111") == "queued"
    assert await text("u2", "+14155550111") == "capped"  # the overall cap: 0.03 + 0.01 > 0.035
    clock.advance(24 * 3600)  # a new US/Eastern day
    assert await text("u1", PHONE) == "queued"
    async with sessions() as session:
        statuses = (await session.scalars(select(SmsMessageRow.status))).all()
    assert sorted(statuses).count("capped") == 2
