"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["BigId", "Json", "UtcDateTime", "utcnow"]

#: A 64-bit id; on SQLite plain INTEGER, the only type that can alias the rowid
#: and so autoincrement.
BigId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")

#: JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
Json: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that always reads back as aware UTC.

    PostgreSQL stores the instant; SQLite has no time zones, so values are
    converted to UTC before they are written (their text then sorts in time
    order) and marked UTC when read. Naive datetimes are refused: a time
    without a zone is a bug waiting for daylight saving.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
