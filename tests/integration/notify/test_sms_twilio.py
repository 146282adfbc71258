"""Outbound texts through the real ``twilio`` client against a loopback Twilio.

The loopback answers as the Messages API does: 201 with a sid, 429 and 5xx
to exercise retries and the circuit breaker, 400 for a number Twilio refuses.
Texts wait in the durable queue (a table) while Twilio is failing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from notify_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_URL,
    Clock,
    FakeTwilio,
    add_user,
    loopback_twilio,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.sms.breaker import CircuitBreaker
from tradeassist.notify.sms.outbox import SmsOutbox
from tradeassist.notify.sms.sender import SmsSender
from tradeassist.notify.sms.twilio_transport import TwilioTransport
from tradeassist.store.sms_users import opt_out
from tradeassist.store.tables import SmsMessageRow, SmsOutboxRow

PHONE = "+14155550100"
CONFIG = NotifyConfig(send_backoff_seconds=1.0, send_max_attempts=4, breaker_failures=3)


class Rig:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, clock: Clock
    ) -> None:
        self.sessions, self.twilio, self.clock = sessions, twilio, clock
        self.transport = TwilioTransport(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number=FROM_NUMBER,
            status_callback=PUBLIC_URL + "/sms/status",
            api_base=twilio.base_url,
            timeout_seconds=5,
        )
        self.outbox = SmsOutbox(
            sessions=sessions, from_number=FROM_NUMBER, config=CONFIG, clock=clock
        )
        self.metrics = NotifyMetrics()
        breaker = CircuitBreaker(failures=3, reset_seconds=30, clock=clock.monotonic)
        self.sender = SmsSender(
            sessions=sessions,
            transport=self.transport,
            outbox=self.outbox,
            config=CONFIG,
            breaker=breaker,
            metrics=self.metrics,
            clock=clock,
        )

    async def text(self, body: str, user: str = "u1", to: str = PHONE) -> int:
        queued = await self.outbox.enqueue(user_id=user, to=to, body=body, kind="alert")
        assert queued.status == "queued" and queued.message_id is not None
        return queued.message_id

    async def rows(self) -> list[tuple[SmsMessageRow, SmsOutboxRow]]:
        async with self.sessions() as session:
            result = await session.execute(
                select(SmsMessageRow, SmsOutboxRow)
                .join(SmsOutboxRow, SmsOutboxRow.message_id == SmsMessageRow.id)
                .order_by(SmsMessageRow.id)
            )
            return [(m, q) for m, q in result.all()]


@pytest.fixture
async def rig(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Rig]:
    await add_user(sessions, "u1", PHONE)
    async with loopback_twilio() as twilio:
        made = Rig(sessions, twilio, Clock())
        yield made
        await made.transport.aclose()


async def test_a_text_goes_to_twilio_as_the_official_client_sends_it(rig: Rig) -> None:
    await rig.text("AAPL gap up +4.0%")

    assert await rig.sender.run_once() == 1

    [request] = rig.twilio.requests
    assert request["sid"] == ACCOUNT_SID
    assert request["auth"] == f"{ACCOUNT_SID}:{AUTH_TOKEN}"
    assert request["form"]["To"] == PHONE
    assert request["form"]["From"] == FROM_NUMBER
    assert request["form"]["StatusCallback"] == PUBLIC_URL + "/sms/status"
    assert request["form"]["Body"].startswith("AAPL gap up +4.0%")
    assert "paper trading only" in request["form"]["Body"]  # the user's first text
    [(message, queued)] = await rig.rows()
    assert message.twilio_sid is not None and message.twilio_sid.startswith("SM")
    assert message.status == "queued" and queued.state == "done" and queued.attempts == 1


async def test_rate_limits_and_server_errors_are_retried_with_backoff(rig: Rig) -> None:
    rig.twilio.script.extend([429, 500])
    await rig.text("NVDA new high")

    assert await rig.sender.run_once() == 0  # 429
    assert await rig.sender.run_once() == 0  # not due yet: backing off
    rig.clock.advance(1)
    assert await rig.sender.run_once() == 0  # 500
    rig.clock.advance(1)
    assert await rig.sender.run_once() == 0  # the second backoff is 2 s
    rig.clock.advance(1)
    assert await rig.sender.run_once() == 1

    assert len(rig.twilio.requests) == 3
    [(message, queued)] = await rig.rows()
    assert queued.state == "done" and queued.attempts == 3 and message.twilio_sid


async def test_a_text_is_given_up_after_the_last_attempt(rig: Rig) -> None:
    rig.twilio.default_status = 500
    await rig.text("TSLA gap down")

    for _ in range(CONFIG.send_max_attempts):
        await rig.sender.run_once()
        rig.clock.advance(60)

    [(message, queued)] = await rig.rows()
    assert len(rig.twilio.requests) == CONFIG.send_max_attempts
    assert message.status == "failed" and queued.state == "dead"


async def test_a_number_twilio_refuses_fails_at_once(rig: Rig) -> None:
    rig.twilio.script.append(400)
    await rig.text("AMD volume spike")

    await rig.sender.run_once()
    rig.clock.advance(600)
    await rig.sender.run_once()

    [(message, queued)] = await rig.rows()
    assert len(rig.twilio.requests) == 1
    assert message.status == "failed" and message.error_code == "21211"
    assert queued.state == "dead"
    assert rig.sender.breaker.state == "closed"  # Twilio answered: it is up


async def test_while_twilio_fails_texts_wait_in_the_queue_behind_an_open_circuit(
    rig: Rig,
) -> None:
    rig.twilio.default_status = 503
    for n in range(8):
        await rig.text(f"alert {n}")

    await rig.sender.run_once()

    assert len(rig.twilio.requests) == 3  # the circuit opened after 3 failures
    assert rig.sender.breaker.state == "open"
    assert rig.metrics.registry.get_sample_value("tradeassist_sms_circuit_open") == 1
    rig.clock.advance(5)
    assert await rig.sender.run_once() == 0
    assert len(rig.twilio.requests) == 3  # open: nothing tried, nothing lost
    assert [q.state for _, q in await rig.rows()] == ["pending"] * 8

    rig.twilio.default_status = 201
    rig.clock.advance(30)
    sent = 0
    for _ in range(3):
        sent += await rig.sender.run_once()
        rig.clock.advance(30)

    assert sent == 8
    assert rig.sender.breaker.state == "closed"
    assert {q.state for _, q in await rig.rows()} == {"done"}
    assert sorted(rig.twilio.bodies[3:])[0].startswith("alert 0")


async def test_a_text_queued_before_a_stop_is_never_sent(rig: Rig) -> None:
    message_id = await rig.text("AAPL gap up")
    async with rig.sessions() as session, session.begin():
        await opt_out(session, user_id="u1", at=rig.clock(), how="texted STOP")

    await rig.sender.run_once()

    assert rig.twilio.requests == []
    [(message, queued)] = await rig.rows()
    assert message.id == message_id and message.status == "blocked" and queued.state == "dead"
