"""Fixtures of the API tests, on the test database (SQLite and PostgreSQL).

``make_client(**create_app_options)`` gives an httpx client wired to a new
app through ``ASGITransport``, with the app's lifespan running; ``insert``
stores alerts the way the screener does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import SECRET, Insert, MakeClient
from fastapi import APIRouter
from pydantic import SecretStr

from tradeassist.api import create_app
from tradeassist.domain.alerts import Alert
from tradeassist.settings import Settings
from tradeassist.store.alerts import insert_alerts
from tradeassist.store.database import create_engine, session_factory


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        supabase_jwt_secret=SecretStr(SECRET),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def insert(database_url: str) -> AsyncIterator[Insert]:
    """Store alerts as the screener does: one committed batch per call."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def store(alerts: Iterable[Alert]) -> None:
        async with sessions() as session, session.begin():
            await insert_alerts(session, alerts=list(alerts))

    yield store
    await engine.dispose()


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[MakeClient]:
    async with AsyncExitStack() as stack:

        async def make(
            app_settings: Settings | None = None,
            *,
            extra_routers: tuple[APIRouter, ...] = (),
            **options: Any,
        ) -> httpx.AsyncClient:
            app = create_app(app_settings or settings, **options)
            for router in extra_routers:
                app.include_router(router)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    return await make_client()
