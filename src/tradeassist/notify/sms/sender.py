"""Drains the durable SMS queue into the provider, with retries and a circuit breaker.

A text that fails in a retryable way (429, 5xx, timeout, no connection) is
due again after an exponential backoff (``send_backoff_seconds`` × 2^n, at
most ``send_backoff_max_seconds``) and is given up after
``send_max_attempts``. Consecutive failures open the circuit: while it is
open nothing is attempted and texts simply wait in the queue (the rest of
the system goes on); a half-open trial decides when sending resumes. Just
before sending, consent is checked again, so a text queued before a STOP
is never sent after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.metrics import NotifyMetrics
from tradeassist.notify.sms.breaker import CircuitBreaker
from tradeassist.notify.sms.outbox import SmsOutbox
from tradeassist.notify.sms.transport import SendError, SmsTransport
from tradeassist.store import outbox as queue
from tradeassist.store.outbox import OutboxItem
from tradeassist.store.sms import set_sent, set_status
from tradeassist.store.users import get_user

__all__ = ["SmsSender"]

_log = logging.getLogger(__name__)
_NEEDS_CONSENT = frozenset({"alert", "digest", "reply"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SmsSender:
    """One sender loop; several processes may run one each (claims never overlap)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        transport: SmsTransport,
        outbox: SmsOutbox,
        config: NotifyConfig | None = None,
        breaker: CircuitBreaker | None = None,
        metrics: NotifyMetrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._transport = transport
        self._outbox = outbox
        self._config = cfg = config or NotifyConfig()
        self.breaker = breaker or CircuitBreaker(
            failures=cfg.breaker_failures,
            reset_seconds=cfg.breaker_reset_seconds,
            max_reset_seconds=cfg.breaker_max_reset_seconds,
        )
        self._metrics = metrics
        self._clock = clock

    async def run_once(self) -> int:
        """Send one batch of due texts; returns how many the provider took."""
        if self.breaker.state == "open":
            self._gauge()
            return 0
        now = self._clock()
        async with self._sessions() as session, session.begin():
            items = await queue.claim_due(
                session,
                now=now,
                limit=self._config.send_batch,
                lease_seconds=self._config.send_lease_seconds,
            )
        sent = 0
        for position, item in enumerate(items):
            if not self.breaker.allow():
                await self._postpone(items[position:])
                break
            sent += await self._send(item)
        self._gauge()
        return sent

    async def _send(self, item: OutboxItem) -> int:
        attempts = item.attempts + 1
        if item.kind in _NEEDS_CONSENT and not await self._still_consented(item):
            async with self._sessions() as session, session.begin():
                await set_status(session, message_id=item.message_id, status="blocked")
                await queue.mark_dead(
                    session, outbox_id=item.outbox_id, attempts=0, error="opted out"
                )
            self._count("blocked")
            return 0
        try:
            result = await self._transport.send(to=item.to_number, body=item.body)
        except SendError as exc:
            await self._failed(item, attempts, exc)
            return 0
        self.breaker.success()
        async with self._sessions() as session, session.begin():
            await set_sent(
                session,
                message_id=item.message_id,
                sid=result.sid,
                status=result.status,
                from_number=result.from_number,
            )
            await queue.mark_done(session, outbox_id=item.outbox_id, attempts=attempts)
        self._count("sent")
        return 1

    async def _failed(self, item: OutboxItem, attempts: int, exc: SendError) -> None:
        final = not exc.retryable or attempts >= self._config.send_max_attempts
        if exc.retryable:
            self.breaker.failure()
        else:
            self.breaker.success()  # the provider answered: it is up, this text is the problem
        async with self._sessions() as session, session.begin():
            if final:
                await set_status(
                    session, message_id=item.message_id, status="failed", error_code=exc.code
                )
                await queue.mark_dead(
                    session, outbox_id=item.outbox_id, attempts=attempts, error=str(exc)
                )
            else:
                await queue.mark_retry(
                    session,
                    outbox_id=item.outbox_id,
                    attempts=attempts,
                    due=self._clock() + self._backoff(attempts),
                    error=str(exc),
                )
        self._count("failed" if final else "retry")
        _log.warning("SMS %s attempt %d failed: %s", item.message_id, attempts, exc)

    def _backoff(self, attempts: int) -> timedelta:
        cfg = self._config
        seconds = min(cfg.send_backoff_seconds * 2 ** (attempts - 1), cfg.send_backoff_max_seconds)
        return timedelta(seconds=seconds)

    async def _postpone(self, items: list[OutboxItem]) -> None:
        """The circuit opened mid-batch: the rest wait until it may close, attempts unchanged."""
        due = self._clock() + timedelta(seconds=self.breaker.seconds_until_retry())
        async with self._sessions() as session, session.begin():
            for item in items:
                await queue.mark_retry(
                    session,
                    outbox_id=item.outbox_id,
                    attempts=item.attempts,
                    due=due,
                    error="circuit open",
                )

    async def _still_consented(self, item: OutboxItem) -> bool:
        if item.user_id is None:
            return False
        async with self._sessions() as session:
            user = await get_user(session, user_id=item.user_id)
        return (
            user is not None
            and user.sms_opt_in
            and user.sms_opted_out_at is None
            and user.phone == item.to_number
        )

    def _count(self, result: str) -> None:
        if self._metrics is not None:
            self._metrics.sms_sent.labels(result).inc()

    def _gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.circuit_open.set(1 if self.breaker.state == "open" else 0)

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        """Send until ``stop`` is set; wakes when a text is queued, at least every poll."""
        while not stop.is_set():
            try:
                busy = await self.run_once() >= self._config.send_batch
            except Exception:  # a database hiccup must not end the loop; texts stay queued
                _log.exception("SMS sender batch failed")
                busy = False
            if busy:
                continue
            wait = poll_seconds
            if self.breaker.state == "open":
                wait = max(poll_seconds, self.breaker.seconds_until_retry())
            self._outbox.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wake.wait(), timeout=wait)
