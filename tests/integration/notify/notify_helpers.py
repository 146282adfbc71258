"""Helpers of the notifier's integration tests: a loopback Twilio, users, a clock, signing."""

from __future__ import annotations

import base64
import itertools
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from tradeassist.domain.alerts import Alert
from tradeassist.notify.service import NotifyServices
from tradeassist.store.tables import UserRow

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-test-auth-token-0123456789ab"
FROM_NUMBER = "+15005550006"
PUBLIC_URL = "https://tradeassist.example.com"
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York
NS = 1_000_000_000

MakeServices = Callable[..., NotifyServices]


def gap_alert(
    n: int, symbol: str = "AAPL", *, alert_type: str = "gap_up", price: float = 100.0
) -> Alert:
    """A gap alert at ``T0`` (``n`` makes it unique)."""
    return Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=price,
        trigger_time_ns=int(T0.timestamp()) * NS,
        trading_day="2026-03-10",
        level=str(n),
        conditions={"pct_move": 4.2},
    )


class Clock:
    """A wall clock the test moves by hand (aware UTC), and its monotonic twin in seconds."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeTwilio:
    """Answers as Twilio's Messages API does; ``script`` holds the next statuses to answer."""

    script: deque[int] = field(default_factory=deque)
    default_status: int = 201
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _sids: Any = field(default_factory=lambda: itertools.count(1))

    async def messages(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        auth = request.headers.get("Authorization", "")
        user = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else ""
        self.requests.append(
            {"path": request.path, "form": form, "auth": user, "sid": request.match_info["sid"]}
        )
        status = self.script.popleft() if self.script else self.default_status
        if status == 201:
            sid = f"SM{next(self._sids):032x}"
            return web.json_response(
                {
                    "sid": sid,
                    "account_sid": request.match_info["sid"],
                    "status": "queued",
                    "from": form.get("From"),
                    "to": form.get("To"),
                    "body": form.get("Body"),
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "price": None,
                    "error_code": None,
                    "uri": f"{request.path[:-5]}/{sid}.json",
                },
                status=201,
            )
        code = {400: 21211, 429: 20429, 500: 20500, 503: 20503}.get(status, status)
        return web.json_response(
            {
                "code": code,
                "message": "The 'To' number is not a valid phone number."
                if status == 400
                else "Service unavailable",
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
        )

    @property
    def bodies(self) -> list[str]:
        return [str(r["form"].get("Body")) for r in self.requests]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def loopback_twilio() -> AsyncIterator[FakeTwilio]:
    """A Twilio Messages API on 127.0.0.1 (a free port) while the block runs."""
    fake = FakeTwilio()
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.messages)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


async def add_user(
    sessions: async_sessionmaker[AsyncSession],
    user_id: str,
    phone: str | None,
    *,
    verified: bool = True,
    opted_in: bool = True,
    timezone: str = "America/New_York",
) -> None:
    """A user whose phone is verified and opted in (unless told otherwise)."""
    async with sessions() as session, session.begin():
        session.add(
            UserRow(
                id=user_id,
                phone=phone,
                phone_verified_at=T0 - timedelta(days=1) if verified else None,
                sms_opt_in=opted_in,
                timezone=timezone,
            )
        )


def signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for this request."""
    return str(RequestValidator(token).compute_signature(url, params))


def inbound_params(sid: str, from_number: str, body: str) -> dict[str, str]:
    """The form Twilio posts for an inbound text (the fields we read and a few more)."""
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": from_number,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
