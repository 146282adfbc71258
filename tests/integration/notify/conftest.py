"""Fixtures of the notifier tests: every part built as the app builds it, on the test database."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from notify_helpers import AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, Clock, MakeServices
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tradeassist.domain.trading import TradeDesk
from tradeassist.notify.channels.console import ConsoleTransport
from tradeassist.notify.config import NotifyConfig
from tradeassist.notify.desk import RecordingTradeDesk
from tradeassist.notify.service import NotifyServices, build_notify
from tradeassist.settings import Settings


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console() -> ConsoleTransport:
    return ConsoleTransport(stream=io.StringIO(), from_number=FROM_NUMBER)


def settings_for(database_url: str, *, token: str | None = AUTH_TOKEN) -> Settings:
    return Settings(
        database_url=database_url,
        twilio_auth_token=None if token is None else SecretStr(token),
        public_url=PUBLIC_URL,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def make_services(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    console: ConsoleTransport,
) -> AsyncIterator[MakeServices]:
    made: list[NotifyServices] = []

    def make(
        *, token: str | None = AUTH_TOKEN, desk: TradeDesk | None = None, **config: object
    ) -> NotifyServices:
        services = build_notify(
            settings=settings_for(database_url, token=token),
            sessions=sessions,
            config=NotifyConfig(**config),  # type: ignore[arg-type]
            desk=desk or RecordingTradeDesk(),
            transport=console,
            clock=clock,
        )
        made.append(services)
        return services

    yield make
    for services in made:
        await services.aclose()


@pytest.fixture
def services(make_services: MakeServices) -> NotifyServices:
    return make_services()


@pytest.fixture
async def client(services: NotifyServices) -> AsyncIterator[httpx.AsyncClient]:
    """A small app with only the SMS router, as the API includes it."""
    app = FastAPI()
    app.include_router(services.router())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
