"""The notifier's delivery ledger, and auto-trade settings on subscriptions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

``notify_deliveries``: one row per (alert, user, channel, target) the
notifier owes, recorded with the cursor's move and marked sent once handed
on, so a crash neither loses nor repeats a delivery. Written by the service
only: on PostgreSQL row-level security is enabled with no policy.
``alert_subscriptions`` gains ``auto_trade`` and its sizing fields.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
TABLE = "notify_deliveries"
SUBSCRIPTIONS = "alert_subscriptions"
AUTO_TRADE_NUMBERS = (
    ("auto_trade_quantity", sa.Integer()),
    ("auto_trade_risk", sa.Float()),
    ("auto_trade_stop_pct", sa.Float()),
    ("auto_trade_target_pct", sa.Float()),
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE", name=f"fk_{TABLE}_user_id_users"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("state", sa.String(8), server_default="pending", nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", TS),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
        sa.UniqueConstraint(
            "alert_id",
            "user_id",
            "channel",
            "target",
            name=f"uq_{TABLE}_alert_id_user_id_channel_target",
        ),
        sa.CheckConstraint("state IN ('pending', 'held', 'sent')", name=f"ck_{TABLE}_state"),
        sqlite_autoincrement=True,
    )
    op.create_index(f"ix_{TABLE}_state_created_at", TABLE, ["state", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE public.{TABLE} ENABLE ROW LEVEL SECURITY")
    with op.batch_alter_table(SUBSCRIPTIONS) as batch:
        batch.add_column(
            sa.Column("auto_trade", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        for name, kind in AUTO_TRADE_NUMBERS:
            batch.add_column(sa.Column(name, kind))


def downgrade() -> None:
    with op.batch_alter_table(SUBSCRIPTIONS) as batch:
        for name, _ in reversed(AUTO_TRADE_NUMBERS):
            batch.drop_column(name)
        batch.drop_column("auto_trade")
    op.drop_index(f"ix_{TABLE}_state_created_at", table_name=TABLE)
    op.drop_table(TABLE)
