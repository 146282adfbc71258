"""The notifier's cursor: how far it has claimed the alert stream, so a restart catches up.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

One row per notifier (``name``), written by the service only. On PostgreSQL
row-level security is enabled with no policy, so a Supabase project's API
roles see nothing of it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger()
TABLE = "notifier_cursors"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("last_alert_id", BIG_ID, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=f"pk_{TABLE}"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE public.{TABLE} ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    op.drop_table(TABLE)
