"""Fixtures shared by every test: databases (SQLite and PostgreSQL) and Redis.

Servers, overridable by environment variables:
- PostgreSQL: ``TRADEASSIST_TEST_POSTGRES_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/postgres``), a role that may create
  databases. Each test gets a database of its own, cloned from a template
  migrated once per session; both are dropped afterwards.
- Redis: ``TRADEASSIST_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).
  Tests get a unique key prefix and only keys under it are deleted afterwards.

A server that cannot be reached skips the tests that need it, except with
``CI=true``, where it fails them: CI must never pass by skipping.

Fixtures: ``database_url`` (migrated; parametrized ``sqlite``/``postgres``),
``empty_database_url`` (same, not migrated), ``engine``, ``sessions``,
``postgres_admin_url``, ``postgres_template``, ``make_postgres_database``
(a factory for more databases), ``redis_url``, ``redis_key_prefix``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tradeassist.store.database import create_engine, session_factory
from tradeassist.store.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "TRADEASSIST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TRADEASSIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_PID = os.getpid()

MakeDatabase = Callable[..., Awaitable[str]]


def unavailable(what: str, why: str) -> NoReturn:
    """Skip a test whose server is unreachable; fail it on CI."""
    message = f"{what} is unreachable ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def database_url_for(admin_url: str, name: str) -> str:
    """``admin_url`` pointing at the database ``name`` instead."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.as_posix()}"


async def _admin(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def create_postgres_database(admin_url: str, *, template: str = "template0") -> str:
    """A new database with a unique name (this process's pid in it), cloned from ``template``."""
    name = f"ta_{_PID}_{uuid.uuid4().hex[:10]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


async def drop_postgres_database(admin_url: str, name: str) -> None:
    """Drop ``name``, disconnecting whoever still uses it."""
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- PostgreSQL ---------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A URL with the right to create databases; skips (fails on CI) if unreachable."""
    try:
        asyncio.run(_admin(POSTGRES_ADMIN_URL, "SELECT 1"))
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    """The name of a database migrated to head once per session, to clone from."""
    name = f"ta_tpl_{_PID}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(postgres_admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        asyncio.run(upgrade(database_url_for(postgres_admin_url, name)))
        yield name
    finally:
        asyncio.run(drop_postgres_database(postgres_admin_url, name))


@pytest.fixture
def make_postgres_database(
    postgres_admin_url: str, postgres_template: str
) -> Iterator[MakeDatabase]:
    """``await make_postgres_database(migrated=True)``: the URL of a new isolated database.

    Migrated ones are clones of the session's template; every database made
    is dropped after the test.
    """
    made: list[str] = []

    async def make(*, migrated: bool = True) -> str:
        template = postgres_template if migrated else "template0"
        name = await create_postgres_database(postgres_admin_url, template=template)
        made.append(name)
        return database_url_for(postgres_admin_url, name)

    yield make
    for name in made:
        asyncio.run(drop_postgres_database(postgres_admin_url, name))


# --- Both databases -------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "tradeassist.db"
    asyncio.run(upgrade(sqlite_url(path)))
    return path


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "data" / "tradeassist.db"
        if migrated:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield sqlite_url(path)
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template") if migrated else "template0"
    name = asyncio.run(create_postgres_database(admin_url, template=template))
    try:
        yield database_url_for(admin_url, name)
    finally:
        asyncio.run(drop_postgres_database(admin_url, name))


BOTH_DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BOTH_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database at the latest migration, SQLite or PostgreSQL."""
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture(params=BOTH_DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database with nothing in it, SQLite or PostgreSQL."""
    yield from _database(request, tmp_path, migrated=False)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``database_url``, disposed after the test."""
    created = create_engine(database_url)
    yield created
    await created.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory on ``engine``."""
    return session_factory(engine)


# --- Redis ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis; skips (fails on CI) if unreachable. Use ``redis_key_prefix``."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        unavailable("Redis", str(exc) or type(exc).__name__)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to this test; its keys (and only those) are deleted afterwards."""
    import redis

    prefix = f"tradeassist-test:{_PID}:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
