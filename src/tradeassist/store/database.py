"""One engine factory for both databases, chosen from the URL.

``DATABASE_URL`` may be a SQLAlchemy URL or a URL exactly as Supabase or
``psql`` shows it (``postgresql://user:pass@host:6543/postgres?sslmode=require``).
:func:`normalize_url` turns either into an async SQLAlchemy URL
(``sqlite+aiosqlite`` or ``postgresql+asyncpg``) plus the driver's connect
arguments; every dialect difference in how we connect lives here.

Behind a transaction pooler (Supabase's on port 6543, PgBouncer) a client's
consecutive statements may run on different server connections, so prepared
statements cannot be cached: asyncpg's cache and SQLAlchemy's are turned off
and statement names are made unique.

Errors a user can cause (an unknown scheme, an unreachable server, a wrong
password) become a one-line :class:`~tradeassist.errors.StorageError` whose
message never contains the password.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as _create_sync_engine
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from tradeassist.errors import StorageError

__all__ = [
    "POOLER_PORT",
    "create_engine",
    "create_sqlite_sync_engine",
    "is_postgres",
    "normalize_url",
    "ping",
    "safe_url",
    "session_factory",
    "storage_errors",
]

#: The port of Supabase's transaction pooler (Supavisor); PgBouncer setups often copy it.
POOLER_PORT = 6543
#: How long a SQLite writer waits for another writer's lock, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: How long connecting to PostgreSQL may take unless the URL says (``connect_timeout``), seconds.
DEFAULT_CONNECT_TIMEOUT_S = 10.0

_SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_SCHEMES = {"postgres", "postgresql"}
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
# Query parameters asyncpg.connect() takes as keyword arguments as they are.
_ASYNCPG_PASSTHROUGH = {"command_timeout", "direct_tls", "prepared_statement_cache_size"}
# libpq parameters without an asyncpg equivalent that are safe to ignore.
_IGNORED_PARAMS = {"pgbouncer", "supa", "gssencmode", "target_session_attrs", "channel_binding"}


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://…"


def _parse(url: str) -> URL:
    try:
        return make_url(url.strip())
    except (ArgumentError, ValueError):
        raise StorageError(f"DATABASE_URL is not a valid URL: {safe_url(url)}") from None


def is_postgres(url: str) -> bool:
    """True when the URL names a PostgreSQL database (any driver)."""
    return _parse(url).get_backend_name() in _POSTGRES_SCHEMES


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _ssl_argument(mode: str, root_cert: str | None) -> str | ssl.SSLContext:
    """asyncpg's ``ssl=`` from libpq's ``sslmode`` (and ``sslrootcert``)."""
    if mode not in _SSL_MODES:
        raise StorageError(f"sslmode must be one of {', '.join(sorted(_SSL_MODES))}, not {mode!r}")
    if root_cert and mode in {"verify-ca", "verify-full"}:
        context = ssl.create_default_context(cafile=root_cert)
        context.check_hostname = mode == "verify-full"
        return context
    return mode


def _postgres(parsed: URL) -> tuple[URL, dict[str, Any]]:
    query: dict[str, str] = {k: str(v) for k, v in parsed.query.items()}
    connect_args: dict[str, Any] = {}
    pooler = parsed.port == POOLER_PORT or query.pop("pgbouncer", "").lower() == "true"
    if "sslmode" in query:
        connect_args["ssl"] = _ssl_argument(query.pop("sslmode"), query.pop("sslrootcert", None))
    query.pop("sslrootcert", None)
    if "ssl" in query:  # some providers write ssl=true instead of sslmode=require
        flag = query.pop("ssl").lower()
        aliases = {"true": "require", "1": "require", "false": "disable", "0": "disable"}
        connect_args["ssl"] = _ssl_argument(aliases.get(flag, flag), None)
    # asyncpg waits 60 s for a silent host by default; a start-up check should not.
    connect_args["timeout"] = float(query.pop("connect_timeout", DEFAULT_CONNECT_TIMEOUT_S))
    if "application_name" in query:
        connect_args["server_settings"] = {"application_name": query.pop("application_name")}
    if "statement_cache_size" in query:
        connect_args["statement_cache_size"] = int(query.pop("statement_cache_size"))
    for name in list(query):
        if name in _ASYNCPG_PASSTHROUGH:
            continue
        if name in _IGNORED_PARAMS:
            query.pop(name)
            continue
        raise StorageError(f"DATABASE_URL has a parameter the PostgreSQL driver cannot use: {name}")
    if pooler:
        # A transaction pooler hands each transaction to any server connection:
        # a statement prepared on one is unknown (or a name clash) on the next.
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
    return parsed.set(drivername="postgresql+asyncpg", query=query), connect_args


def normalize_url(url: str) -> tuple[str, dict[str, Any]]:
    """The async SQLAlchemy URL for ``url`` and the driver's ``connect_args``.

    SQLite URLs get the ``aiosqlite`` driver; ``postgres://``/``postgresql://``
    URLs (any driver) get ``asyncpg``, with libpq's ``sslmode`` translated into
    asyncpg's ``ssl`` and prepared-statement caching off behind a pooler (port
    6543 or ``pgbouncer=true``). Raises ``StorageError`` for any other scheme.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if parsed.drivername in _SQLITE_SCHEMES:
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(False), {}
    if backend in _POSTGRES_SCHEMES:
        try:
            normalized, connect_args = _postgres(parsed)
        except ValueError:
            raise StorageError(f"DATABASE_URL has a malformed parameter: {safe_url(url)}") from None
        return normalized.render_as_string(hide_password=False), connect_args
    raise StorageError(
        f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql://"
    )


def _sqlite_file(parsed: URL) -> Path | None:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while the screener writes; the busy timeout makes a
    # second writer wait for the lock instead of failing at once. Under WAL,
    # synchronous=NORMAL syncs the log at checkpoints instead of at every commit:
    # a committed transaction survives a crash or kill of the process (the log is
    # in the OS's cache), and the file is never corrupted; only a power loss or
    # an OS crash can undo the last commits. That trade halves a commit's time.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, **engine_kw: Any) -> AsyncEngine:
    """An ``AsyncEngine`` for ``url`` (see :func:`normalize_url`).

    SQLite: the file's folder is created and each connection runs in WAL mode
    (``synchronous=NORMAL``: durable across process crashes) with a busy
    timeout. PostgreSQL: a pre-pinged connection pool. Extra keyword arguments
    go to SQLAlchemy's ``create_async_engine``.
    """
    normalized, connect_args = normalize_url(url)
    parsed = make_url(normalized)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the folder {path.parent}: {exc.strerror}"
                ) from None
        engine = _create_async_engine(normalized, connect_args=connect_args, **engine_kw)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        return engine
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 1800}
    if "poolclass" not in engine_kw:
        options.update(pool_size=5, max_overflow=10)
    options.update(engine_kw)
    return _create_async_engine(normalized, connect_args=connect_args, **options)


def create_sqlite_sync_engine(url: str) -> Engine:
    """A synchronous engine on the standard ``sqlite3`` driver for a SQLite ``url``, with
    the same pragmas as :func:`create_engine`: for code on a thread of its own, where
    aiosqlite's hand-offs to its worker thread and back would only add waits.
    Raises StorageError for a URL that is not SQLite."""
    normalized, _ = normalize_url(url)
    parsed = make_url(normalized)
    if parsed.get_backend_name() != "sqlite":
        raise StorageError(f"not a SQLite URL: {safe_url(url)}")
    engine = _create_sync_engine(parsed.set(drivername="sqlite+pysqlite"))
    event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _reason(exc: BaseException, password: str | None) -> str:
    """The driver's first line of explanation, never showing the password."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    text_ = str(cause).strip()
    detail = text_.splitlines()[0] if text_ else type(cause).__name__
    return detail.replace(password, "***") if password else detail


@asynccontextmanager
async def storage_errors(url: str, doing: str = "use the database") -> AsyncIterator[None]:
    """Turn driver and network errors raised inside the block into ``StorageError``.

    The message names the database (password masked) and the driver's first
    line of explanation; ``StorageError`` raised inside passes through.
    """
    try:
        yield
    except StorageError:
        raise
    except (OSError, TimeoutError, ArgumentError) as exc:
        raise _storage_error(url, doing, exc) from None
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        raise _storage_error(url, doing, exc) from None


def _is_database_error(exc: Exception) -> bool:
    module = type(exc).__module__
    return isinstance(exc, SQLAlchemyError) or module.startswith(("asyncpg", "sqlite3"))


def _storage_error(url: str, doing: str, exc: BaseException) -> StorageError:
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    reason = _reason(exc, str(password) if password else None)
    return StorageError(f"cannot {doing} at {safe_url(url)}: {reason}")


async def ping(engine: AsyncEngine, url: str | None = None) -> None:
    """Open a connection and run ``SELECT 1``; ``StorageError`` when that fails."""
    shown = url or engine.url.render_as_string(hide_password=True)
    async with storage_errors(shown, "connect to the database"), engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
