"""Bring a database to the latest migration, safely, at every start.

One Alembic tree (``migrations/`` next to this file, found from the installed
package, never from the working directory) serves SQLite and PostgreSQL.
:func:`upgrade` is idempotent and safe when several processes start at once:
on PostgreSQL the whole migration runs in one transaction under an advisory
lock, on SQLite under ``BEGIN IMMEDIATE`` (the database's write lock), so the
second process waits and then finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from tradeassist.errors import StorageError
from tradeassist.store.database import create_engine, safe_url, storage_errors

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "alembic_config",
    "current",
    "downgrade",
    "heads",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
#: Our own version table, so another Alembic-managed app in the same database
#: (common on a shared Supabase project) does not collide with us.
VERSION_TABLE = "tradeassist_alembic_version"
#: The advisory-lock key migrations serialise on (PostgreSQL, per database).
MIGRATION_LOCK_KEY = 0x7472_6164_6561_6D01
_FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for our tree, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", _FILE_TEMPLATE)
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def heads() -> list[str]:
    """The head revisions of the migration tree (one, unless someone forgot to merge)."""
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())


async def _locked(url: str, doing: str, action: Callable[[Connection], None]) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with storage_errors(url, doing), engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Transaction-scoped: released by the commit or rollback below.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            else:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                await conn.run_sync(action)
            except CommandError as exc:
                raise StorageError(f"cannot {doing} at {safe_url(url)}: {exc}") from None
            await conn.commit()
    finally:
        await engine.dispose()


async def upgrade(url: str) -> None:
    """Apply every migration not yet applied to the database at ``url`` (idempotent)."""

    def action(conn: Connection) -> None:
        command.upgrade(alembic_config(conn), "head")

    await _locked(url, "migrate the database", action)


async def downgrade(url: str, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``"base"``: an empty database)."""

    def action(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), revision)

    await _locked(url, "downgrade the database", action)


async def current(url: str) -> list[str]:
    """The revisions the database at ``url`` is at (empty before the first upgrade)."""
    engine = create_engine(url, poolclass=NullPool)
    found: list[str] = []

    def read(conn: Connection) -> None:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        found.extend(context.get_current_heads())

    try:
        async with storage_errors(url, "read the database version"), engine.connect() as conn:
            await conn.run_sync(read)
    finally:
        await engine.dispose()
    return found
