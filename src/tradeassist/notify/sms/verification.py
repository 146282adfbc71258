"""Phone verification: a one-time code texted to a number before anything else is sent to it.

``start_verification(user_id, phone)`` texts a six-digit code (only a salted
HMAC of it is stored) valid for ``verification_ttl_seconds``;
``check_verification(user_id, code)`` makes the number the user's verified
phone and records the opt-in (the user asked for texts and proved the
number is theirs). Wrong codes count; after ``verification_max_attempts``
the code is void. The API exposes both as POST routes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.errors import ConflictError, InputError
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.sms.outbox import SmsOutbox
from tradeassist.notify.sms.phone import normalize_phone
from tradeassist.notify.texts import verification_text
from tradeassist.store.sms_users import (
    drop_verification,
    get_verification,
    opt_in,
    put_verification,
    set_verified_phone,
)
from tradeassist.store.tables import PhoneVerificationRow, UserRow

__all__ = ["PhoneVerifier", "VerificationStarted"]


@dataclass(frozen=True, slots=True)
class VerificationStarted:
    """A code is on its way to ``phone`` (E.164); it stops working at ``expires_at``."""

    phone: str
    expires_at: datetime


def _hash(code: str, salt: str) -> str:
    digest = hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(_hash(code, salt), stored)


def _random_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PhoneVerifier:
    """Starts and checks verifications; ``code_factory`` is injectable for tests."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        outbox: SmsOutbox,
        config: NotifyConfig | None = None,
        clock: Callable[[], datetime] = _utcnow,
        code_factory: Callable[[], str] = _random_code,
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._config = config or NotifyConfig()
        self._clock = clock
        self._code = code_factory

    async def start_verification(self, user_id: str, phone: str) -> VerificationStarted:
        """Text a new code to ``phone`` for ``user_id``.

        Raises ``InputError`` for a malformed number, ``ConflictError`` when the
        number is another user's, when a code was sent moments ago, or when the
        daily text budget is spent.
        """
        number = normalize_phone(phone)
        now = self._clock()
        ttl = self._config.verification_ttl_seconds
        code = self._code()
        async with self._sessions() as session, session.begin():
            await self._check_can_send(session, user_id, number, now)
            expires = now + timedelta(seconds=ttl)
            salted = _hash(code, secrets.token_hex(8))
            await put_verification(
                session,
                user_id=user_id,
                phone=number,
                code_hash=salted,
                expires_at=expires,
                sent_at=now,
            )
        body = verification_text(code, max(1, ttl // 60))
        sent = await self._outbox.enqueue(
            user_id=user_id, to=number, body=body, kind="verification"
        )
        if not sent.accepted:
            raise ConflictError("the daily text budget is spent: try again tomorrow")
        return VerificationStarted(number, expires)

    async def _check_can_send(
        self, session: AsyncSession, user_id: str, number: str, now: datetime
    ) -> None:
        if await session.get(UserRow, user_id) is None:
            raise InputError("unknown user")
        owner = await session.scalar(select(UserRow.id).where(UserRow.phone == number))
        if owner is not None and owner != user_id:
            raise ConflictError("that phone number belongs to another user")
        earlier = await session.get(PhoneVerificationRow, user_id)
        wait = self._config.verification_resend_seconds
        if earlier is not None and now - earlier.sent_at < timedelta(seconds=wait):
            raise ConflictError(f"a code was just sent: wait {wait} seconds before asking again")

    async def check_verification(self, user_id: str, code: str) -> str:
        """Verify the user's pending number with ``code``; returns the number (E.164).

        Raises ``InputError`` when no code is waiting, it expired, it is wrong
        or too many wrong codes were tried; ``ConflictError`` when the number
        was verified by another user meanwhile.
        """
        now = self._clock()
        problem: str | None = None
        async with self._sessions() as session, session.begin():
            row = await get_verification(session, user_id=user_id)
            if row is None:
                raise InputError("no code is waiting: ask for one first")
            if now >= row.expires_at:
                await drop_verification(session, user_id=user_id)
                problem = "that code has expired: ask for a new one"
            elif not _matches(code.strip(), row.code_hash):
                row.attempts += 1
                if row.attempts >= self._config.verification_max_attempts:
                    await drop_verification(session, user_id=user_id)
                    problem = "too many wrong codes: ask for a new one"
                else:
                    problem = "that code is not right"
            else:
                phone = row.phone
                await set_verified_phone(session, user_id=user_id, phone=phone, at=now)
                await opt_in(session, user_id=user_id, at=now, how="verification code")
                await drop_verification(session, user_id=user_id)
        if problem is not None:  # raised after the commit, so the attempt counts
            raise InputError(problem)
        return phone
