"""Helpers of the API tests: alerts, tokens, a clock, a real Uvicorn server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from tradeassist.api.tokens import mint_token
from tradeassist.domain.alerts import Alert
from tradeassist.market_calendar import TradingCalendar

Insert = Callable[[Iterable[Alert]], Awaitable[None]]
MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]

SECRET = "integration-secret-for-api-tests-0123456789"
NS = 1_000_000_000


def ns_of(text: str) -> int:
    """UTC nanoseconds of an ISO-8601 time with an offset."""
    moment = dt.datetime.fromisoformat(text)
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


def make_alert(
    symbol: str = "AAPL",
    alert_type: str = "gap_up",
    at: str | int = "2026-03-10T14:00:00+00:00",
    pct: float | None = 4.0,
    level: str | None = None,
) -> Alert:
    """An alert as the screener would raise it (its trading day is the Eastern date)."""
    time_ns = at if isinstance(at, int) else ns_of(at)
    conditions: dict[str, Any] = {} if pct is None else {"pct_move": pct}
    return Alert(
        symbol=symbol,
        alert_type=alert_type,
        trigger_price=101.25,
        trigger_time_ns=time_ns,
        trading_day=TradingCalendar.eastern_date(time_ns).isoformat(),
        level=level or f"{time_ns}",
        conditions=conditions,
        metadata={"bid": 101.2, "ask": 101.3, "spread": 0.1},
    )


def token(user_id: str, *, admin: bool = False, **extra: Any) -> str:
    return mint_token(SECRET, user_id=user_id, admin=admin, **extra)


def bearer(user_id: str, *, admin: bool = False, **extra: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, admin=admin, **extra)}"}


USER_A = "aaaaaaaa-0000-4000-8000-000000000001"
USER_B = "bbbbbbbb-0000-4000-8000-000000000002"
ADMIN = "cccccccc-0000-4000-8000-000000000003"


class Clock:
    """A settable wall clock in UTC nanoseconds."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns


@asynccontextmanager
async def serve_app(app: FastAPI) -> AsyncIterator[str]:
    """Run ``app`` under Uvicorn on a free loopback port; yields ``host:port``."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
