"""The tables: alerts, users, trades, SMS, bars, subscriptions, API keys, deliveries, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Portable: the same operations on SQLite and PostgreSQL (JSONB and BIGSERIAL
there, JSON and INTEGER PRIMARY KEY AUTOINCREMENT here). Types are spelled
out rather than imported from the application, so this file stays as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
AUTOINCREMENT = {"sqlite_autoincrement": True}


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_ID, primary_key=True, autoincrement=True)


def _created(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(name, TS, server_default=sa.func.now(), nullable=False)


def _user_id(table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[str]:
    fk = sa.ForeignKey("users.id", ondelete=ondelete, name=f"fk_{table}_user_id_users")
    return sa.Column("user_id", sa.String(36), fk, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("role", sa.String(16), server_default="user", nullable=False),
        sa.Column("timezone", sa.String(64), server_default="America/New_York", nullable=False),
        sa.Column("phone_verified_at", TS),
        sa.Column("sms_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("sms_opted_out_at", TS),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("phone", name="uq_users_phone"),
        sa.CheckConstraint("role IN ('user', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "screener_alerts",
        _id(),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("alert_type", sa.String(64), nullable=False),
        sa.Column("trigger_price", sa.Float(), nullable=False),
        sa.Column("trigger_time", TS, nullable=False),
        sa.Column("trigger_time_ns", sa.BigInteger(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("pct_move", sa.Float()),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        _created(),
        sa.UniqueConstraint("idempotency_key", name="uq_screener_alerts_idempotency_key"),
        **AUTOINCREMENT,
    )
    op.create_index("ix_screener_alerts_trigger_time", "screener_alerts", ["trigger_time"])
    op.create_index(
        "ix_screener_alerts_symbol_trigger_time", "screener_alerts", ["symbol", "trigger_time"]
    )
    op.create_index(
        "ix_screener_alerts_alert_type_trigger_time",
        "screener_alerts",
        ["alert_type", "trigger_time"],
    )
    op.create_index("ix_screener_alerts_trading_day", "screener_alerts", ["trading_day"])
    op.create_table(
        "trades",
        _id(),
        _user_id("trades"),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Float()) for name in ("entry_price", "exit_price")),
        sa.Column("entry_time", TS),
        sa.Column("exit_time", TS),
        *(
            sa.Column(name, sa.Float())
            for name in ("stop_loss", "take_profit", "trailing_stop_pct")
        ),
        sa.Column("status", sa.String(24), server_default="pending_confirmation", nullable=False),
        sa.Column("workflow_id", sa.String(200)),
        sa.Column(
            "alert_id",
            BIG_ID,
            sa.ForeignKey(
                "screener_alerts.id", ondelete="SET NULL", name="fk_trades_alert_id_screener_alerts"
            ),
        ),
        sa.Column("pnl", sa.Float()),
        sa.Column("bars_data", JSON),
        _created(),
        _created("updated_at"),
        sa.UniqueConstraint("workflow_id", name="uq_trades_workflow_id"),
        sa.CheckConstraint("side IN ('long', 'short')", name="ck_trades_side"),
        sa.CheckConstraint(
            "status IN ('pending_confirmation', 'open', 'closed', 'cancelled', 'expired')",
            name="ck_trades_status",
        ),
        **AUTOINCREMENT,
    )
    op.create_index("ix_trades_user_id_status", "trades", ["user_id", "status"])
    op.create_index("ix_trades_user_id_created_at", "trades", ["user_id", "created_at"])
    op.create_table(
        "sms_messages",
        _id(),
        _user_id("sms_messages", nullable=True, ondelete="SET NULL"),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("from_number", sa.String(32), nullable=False),
        sa.Column("to_number", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("twilio_sid", sa.String(64)),
        sa.Column("status", sa.String(24), server_default="queued", nullable=False),
        sa.Column("error_code", sa.String(16)),
        sa.Column("cost", sa.Float()),
        _created(),
        _created("updated_at"),
        sa.UniqueConstraint("twilio_sid", name="uq_sms_messages_twilio_sid"),
        sa.CheckConstraint("direction IN ('in', 'out')", name="ck_sms_messages_direction"),
        **AUTOINCREMENT,
    )
    op.create_index("ix_sms_messages_user_id_created_at", "sms_messages", ["user_id", "created_at"])
    op.create_index("ix_sms_messages_created_at", "sms_messages", ["created_at"])
    op.create_table(
        "market_data_cache",
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("start", TS, nullable=False),
        sa.Column("bar", JSON, nullable=False),
        sa.PrimaryKeyConstraint("symbol", "start", name="pk_market_data_cache"),
    )
    _create_user_tables()


def _create_user_tables() -> None:
    op.create_table(
        "alert_subscriptions",
        _id(),
        _user_id("alert_subscriptions"),
        sa.Column("name", sa.String(100), server_default="", nullable=False),
        sa.Column("alert_types", JSON),
        sa.Column("symbols", JSON),
        sa.Column("min_price", sa.Float()),
        sa.Column("max_price", sa.Float()),
        sa.Column("min_pct_move", sa.Float()),
        sa.Column("quiet_start", sa.String(5)),
        sa.Column("quiet_end", sa.String(5)),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("webhook_url", sa.String(2048)),
        sa.Column("webhook_secret", sa.String(200)),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        _created(),
        **AUTOINCREMENT,
    )
    op.create_index("ix_alert_subscriptions_user_id", "alert_subscriptions", ["user_id"])
    op.create_table(
        "api_keys",
        _id(),
        _user_id("api_keys"),
        sa.Column("name", sa.String(100), server_default="", nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        _created(),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        **AUTOINCREMENT,
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])
    op.create_table(
        "webhook_deliveries",
        _id(),
        _user_id("webhook_deliveries"),
        sa.Column(
            "subscription_id",
            BIG_ID,
            sa.ForeignKey(
                "alert_subscriptions.id",
                ondelete="CASCADE",
                name="fk_webhook_deliveries_subscription_id_alert_subscriptions",
            ),
            nullable=False,
        ),
        sa.Column(
            "alert_id",
            BIG_ID,
            sa.ForeignKey(
                "screener_alerts.id",
                ondelete="CASCADE",
                name="fk_webhook_deliveries_alert_id_screener_alerts",
            ),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        _created(),
        sa.Column("delivered_at", TS),
        sa.UniqueConstraint(
            "subscription_id", "alert_id", name="uq_webhook_deliveries_subscription_id_alert_id"
        ),
        **AUTOINCREMENT,
    )
    op.create_index(
        "ix_webhook_deliveries_user_id_created_at", "webhook_deliveries", ["user_id", "created_at"]
    )
    op.create_index("ix_webhook_deliveries_status", "webhook_deliveries", ["status"])
    op.create_table(
        "audit_log",
        _id(),
        _user_id("audit_log", nullable=True, ondelete="SET NULL"),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("details", JSON, nullable=False),
        _created(),
        **AUTOINCREMENT,
    )
    op.create_index("ix_audit_log_user_id_created_at", "audit_log", ["user_id", "created_at"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "webhook_deliveries",
        "api_keys",
        "alert_subscriptions",
        "market_data_cache",
        "sms_messages",
        "trades",
        "screener_alerts",
        "users",
    ):
        op.drop_table(table)
