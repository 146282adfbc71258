"""``INSERT ... ON CONFLICT`` for whichever database a connection talks to.

PostgreSQL and SQLite spell upserts the same way in SQL, but SQLAlchemy keeps
them in two dialect modules; this picks the right one.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["insert_for", "json_safe"]


def insert_for(dialect_name: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``table`` that supports ``on_conflict_do_nothing``/``_do_update``."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database dialect {dialect_name!r}")


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None``.

    Python's ``json`` writes them as bare ``NaN``, which is not JSON:
    PostgreSQL's JSONB refuses it and browsers cannot parse it.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
