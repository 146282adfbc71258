"""SMS: the durable send queue, each user's conversation state, phone verification codes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Written by the service only. On PostgreSQL row-level security is enabled
with no policy, so a Supabase project's API roles see nothing of them (the
verification table holds code hashes); the owner, which the service
connects as, is not subject to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
TABLES = ("sms_outbox", "sms_user_state", "phone_verifications")


def _now(name: str) -> sa.Column[object]:
    return sa.Column(name, TS, server_default=sa.func.now(), nullable=False)


def _user_pk(table: str) -> sa.Column[str]:
    fk = sa.ForeignKey("users.id", ondelete="CASCADE", name=f"fk_{table}_user_id_users")
    return sa.Column("user_id", sa.String(36), fk, nullable=False)


def upgrade() -> None:
    op.create_table(
        "sms_outbox",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "message_id",
            BIG_ID,
            sa.ForeignKey(
                "sms_messages.id", ondelete="CASCADE", name="fk_sms_outbox_message_id_sms_messages"
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_sms_outbox_user_id_users"),
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(8), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text()),
        _now("created_at"),
        sa.UniqueConstraint("message_id", name="uq_sms_outbox_message_id"),
        sa.CheckConstraint("state IN ('pending', 'done', 'dead')", name="ck_sms_outbox_state"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_sms_outbox_state_next_attempt_at", "sms_outbox", ["state", "next_attempt_at"]
    )
    op.create_table(
        "sms_user_state",
        _user_pk("sms_user_state"),
        sa.Column("muted_until", TS),
        sa.Column("alert_types", JSON),
        sa.Column("opted_in_at", TS),
        sa.Column("paper_notice_at", TS),
        sa.Column("pending_actions", JSON, nullable=False),
        _now("updated_at"),
        sa.PrimaryKeyConstraint("user_id", name="pk_sms_user_state"),
    )
    op.create_table(
        "phone_verifications",
        _user_pk("phone_verifications"),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _now("sent_at"),
        sa.PrimaryKeyConstraint("user_id", name="pk_phone_verifications"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
