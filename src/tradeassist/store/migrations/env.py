"""Alembic's environment for tradeassist: async-aware, SQLite and PostgreSQL.

:mod:`tradeassist.store.migrate` runs migrations on a connection it opened
(and locked) itself, handed over in ``config.attributes["connection"]``.
Without one (Alembic's own command line), the URL comes from the
``sqlalchemy.url`` option or ``DATABASE_URL`` and goes through the same
engine factory as the application.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy import Index
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from tradeassist.errors import StorageError
from tradeassist.store.database import create_engine
from tradeassist.store.migrate import VERSION_TABLE
from tradeassist.store.tables import Base, index_applies

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    dialect = connection.dialect.name

    def include_object(obj: Any, _name: str | None, type_: str, *_: Any) -> bool:
        # Autogenerate should not add an index another dialect's ``ddl_if`` keeps.
        return not (type_ == "index" and isinstance(obj, Index)) or index_applies(obj, dialect)

    context.configure(
        include_object=include_object,
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        # SQLite cannot ALTER most things: later migrations use batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_own_engine(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        raise StorageError("offline (--sql) migrations are not supported; give a database URL")
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise StorageError("no database to migrate: set DATABASE_URL")
    asyncio.run(_run_on_own_engine(url))


main()
