"""Indexes for the API's alert and symbol queries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

- ``screener_alerts (symbol, alert_type, id)``: ``GET /alerts?symbol=…&alert_type=…``
  pages by id within one symbol and type without sorting (both databases).
- PostgreSQL only: ``symbol text_pattern_ops`` on ``screener_alerts`` and
  ``market_data_cache``, for ``GET /symbols?q=`` (``symbol LIKE 'AB%'``). A plain
  btree serves a prefix ``LIKE`` only under the C collation; Supabase databases
  use ``en_US.UTF-8``. SQLite searches with ``GLOB`` (case-sensitive), which its
  existing ``symbol`` indexes serve.
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

SYMBOL_TYPE_ID = "ix_screener_alerts_symbol_alert_type_id"
#: (index, table) of the PostgreSQL prefix-search indexes.
PATTERN_INDEXES = (
    ("ix_screener_alerts_symbol_pattern", "screener_alerts"),
    ("ix_market_data_cache_symbol_pattern", "market_data_cache"),
)


def _is_postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    op.create_index(SYMBOL_TYPE_ID, "screener_alerts", ["symbol", "alert_type", "id"])
    if _is_postgres():
        for name, table in PATTERN_INDEXES:
            op.create_index(name, table, ["symbol"], postgresql_ops={"symbol": "text_pattern_ops"})


def downgrade() -> None:
    if _is_postgres():
        for name, table in PATTERN_INDEXES:
            op.drop_index(name, table_name=table)
    op.drop_index(SYMBOL_TYPE_ID, table_name="screener_alerts")
