"""The database tables, as SQLAlchemy 2 declarative classes (one per table).

Portable types only (:mod:`tradeassist.store.types`): timezone-aware
timestamps, JSON that is JSONB on PostgreSQL, 64-bit ids that autoincrement
on SQLite too. Constraint and index names come from one naming convention, so
migrations can refer to them on both databases.

Alert ids are a commit-ordered cursor (PRODUCT.md section 4: resuming and
paginating must not skip an alert that commits late). A sequence alone does
not give that: two transactions draw ids 7 and 8, 8 commits first, a reader
resumes after 8 and never sees 7. So on PostgreSQL every alert insert first
takes a transaction-level advisory lock (``pg_advisory_xact_lock`` on
:data:`ALERT_INSERT_LOCK_KEY`, see :mod:`tradeassist.store.alerts`): the next
inserter draws its ids only after the previous one committed or rolled back.
SQLite serialises writers already, and ``AUTOINCREMENT`` never reuses an id.
Keep alert-inserting transactions short: the lock is held until commit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tradeassist.store.types import BigId, Json, UtcDateTime, utcnow

__all__ = [
    "ALERT_INSERT_LOCK_KEY",
    "NAMING_CONVENTION",
    "AlertRow",
    "AlertSubscriptionRow",
    "ApiKeyRow",
    "AuditLogRow",
    "BarRow",
    "Base",
    "SmsMessageRow",
    "TradeRow",
    "UserRow",
    "WebhookDeliveryRow",
]

#: The advisory-lock key alert inserts serialise on (PostgreSQL).
ALERT_INSERT_LOCK_KEY = 0x7472_6164_6561_6C01

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TRADE_STATUSES = ("pending_confirmation", "open", "closed", "cancelled", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def postgres_prefix_index(name: str) -> Index:
    """``symbol text_pattern_ops`` on PostgreSQL only: serves ``symbol LIKE 'AB%'``
    under any collation (a plain btree does only under C). SQLite uses ``GLOB``."""
    index = Index(name, "symbol", postgresql_ops={"symbol": "text_pattern_ops"})
    return index.ddl_if(dialect="postgresql")


def index_applies(index: Index, dialect: str) -> bool:
    """Whether ``index`` exists on ``dialect`` (False for another dialect's ``ddl_if``)."""
    only = index._ddl_if  # where SQLAlchemy keeps ddl_if()'s arguments
    return only is None or only.dialect is None or dialect in _names(only.dialect)


def _names(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _created() -> Mapped[datetime]:
    return mapped_column(UtcDateTime(), default=utcnow, server_default=func.now())


def _user_fk(*, nullable: bool = False, ondelete: str = "CASCADE") -> Mapped[Any]:
    return mapped_column(String(36), ForeignKey("users.id", ondelete=ondelete), nullable=nullable)


class UserRow(Base):
    """A person: ``id`` is the JWT ``sub`` (a UUID as text)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ("user", "admin")), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)  # E.164
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    timezone: Mapped[str] = mapped_column(
        String(64), default="America/New_York", server_default="America/New_York"
    )
    phone_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = _created()


class AlertRow(Base):
    """One screener alert (the seed's Alert Model); ``id`` is the commit-ordered cursor."""

    __tablename__ = "screener_alerts"
    __table_args__ = (
        Index(None, "trigger_time"),
        Index(None, "symbol", "trigger_time"),
        Index(None, "alert_type", "trigger_time"),
        Index(None, "trading_day"),
        Index(None, "symbol", "alert_type", "id"),
        postgres_prefix_index("ix_screener_alerts_symbol_pattern"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    symbol: Mapped[str] = mapped_column(String(32))
    alert_type: Mapped[str] = mapped_column(String(64))
    trigger_price: Mapped[float] = mapped_column(Float)  # dollars
    trigger_time: Mapped[datetime] = mapped_column(UtcDateTime())  # microseconds
    trigger_time_ns: Mapped[int] = mapped_column(BigInteger)  # ns, exact
    trading_day: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(32))
    pct_move: Mapped[float | None] = mapped_column(Float)  # percent, from conditions
    conditions: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    alert_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    created_at: Mapped[datetime] = _created()


class TradeRow(Base):
    """A paper trade followed by the lifecycle workflow; prices in dollars."""

    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(_in("side", ("long", "short")), name="side"),
        CheckConstraint(_in("status", TRADE_STATUSES), name="status"),
        Index(None, "user_id", "status"),
        Index(None, "user_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = _user_fk()
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[float] = mapped_column(Float)  # shares
    entry_price: Mapped[float | None] = mapped_column(Float)
    exit_price: Mapped[float | None] = mapped_column(Float)
    entry_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    exit_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stop_loss: Mapped[float | None] = mapped_column(Float)
    take_profit: Mapped[float | None] = mapped_column(Float)
    trailing_stop_pct: Mapped[float | None] = mapped_column(Float)  # percent
    status: Mapped[str] = mapped_column(
        String(24), default="pending_confirmation", server_default="pending_confirmation"
    )
    workflow_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    alert_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("screener_alerts.id", ondelete="SET NULL")
    )
    pnl: Mapped[float | None] = mapped_column(Float)  # dollars
    bars_data: Mapped[Any | None] = mapped_column(Json)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class SmsMessageRow(Base):
    """Every SMS in and out (Twilio); ``cost`` in dollars."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        CheckConstraint(_in("direction", ("in", "out")), name="direction"),
        Index(None, "user_id", "created_at"),
        Index(None, "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = _user_fk(nullable=True, ondelete="SET NULL")
    direction: Mapped[str] = mapped_column(String(3))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="queued", server_default="queued")
    error_code: Mapped[str | None] = mapped_column(String(16))
    cost: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class BarRow(Base):
    """One completed one-minute bar; ``bar`` holds o, h, l, c, v, trades, vwap."""

    __tablename__ = "market_data_cache"
    __table_args__ = (postgres_prefix_index("ix_market_data_cache_symbol_pattern"),)

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    start: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)  # the minute
    bar: Mapped[dict[str, Any]] = mapped_column(Json)


class AlertSubscriptionRow(Base):
    """Which alerts a user wants, through which channels; quiet hours as ``HH:MM``."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (Index(None, "user_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = _user_fk()
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    alert_types: Mapped[list[str] | None] = mapped_column(Json)  # None: every type
    symbols: Mapped[list[str] | None] = mapped_column(Json)  # None: every symbol
    min_price: Mapped[float | None] = mapped_column(Float)
    max_price: Mapped[float | None] = mapped_column(Float)
    min_pct_move: Mapped[float | None] = mapped_column(Float)  # percent, absolute
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    channels: Mapped[list[str]] = mapped_column(Json, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    # Kept in clear: the HMAC signature of each delivery needs the secret itself.
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Auto-trade: a matching directional alert proposes a paper trade (still confirmed by YES).
    auto_trade: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_trade_quantity: Mapped[int | None] = mapped_column(Integer)  # shares; None: by risk
    auto_trade_risk: Mapped[float | None] = mapped_column(Float)  # dollars to the stop
    auto_trade_stop_pct: Mapped[float | None] = mapped_column(Float)  # percent from the trigger
    auto_trade_target_pct: Mapped[float | None] = mapped_column(Float)  # percent; None: no target
    created_at: Mapped[datetime] = _created()


class ApiKeyRow(Base):
    """An API key for scripts; only its hash is stored, ``prefix`` identifies it to people."""

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "user_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = _user_fk()
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookDeliveryRow(Base):
    """One alert sent (or being sent) to one subscription's webhook."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "alert_id"),
        Index(None, "user_id", "created_at"),
        Index(None, "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The subscription's owner, copied so row-level security needs no join.
    user_id: Mapped[str] = _user_fk()
    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("alert_subscriptions.id", ondelete="CASCADE")
    )
    alert_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("screener_alerts.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditLogRow(Base):
    """Every action on trades and settings, by whom (``None``: the system)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "user_id", "created_at"),
        Index(None, "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = _user_fk(nullable=True, ondelete="SET NULL")
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = _created()


# --- SMS notifications (added with the notifier; see tradeassist.notify) ----------------


class SmsOutboxRow(Base):
    """One outbound SMS in the durable send queue; its text and status live in ``sms_messages``.

    ``state``: ``pending`` (due at ``next_attempt_at``), ``done`` (handed to the
    provider) or ``dead`` (given up). ``segments`` is what the message is billed as.
    """

    __tablename__ = "sms_outbox"
    __table_args__ = (
        CheckConstraint(_in("state", ("pending", "done", "dead")), name="state"),
        Index(None, "state", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sms_messages.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str | None] = _user_fk(nullable=True, ondelete="SET NULL")
    kind: Mapped[str] = mapped_column(String(16))
    segments: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class SmsUserStateRow(Base):
    """A user's SMS conversation state: mute, texted alert types, notices, pending actions."""

    __tablename__ = "sms_user_state"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    muted_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    alert_types: Mapped[list[str] | None] = mapped_column(Json)  # None: every type
    opted_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paper_notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    pending_actions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class PhoneVerificationRow(Base):
    """A one-time code sent to a phone a user claims; only a salted hash of the code is kept."""

    __tablename__ = "phone_verifications"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    code_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime] = _created()


# --- Alert outcomes (added with the backtest; see tradeassist.backtest.grading) ---------


class AlertOutcomeRow(Base):
    """How one stored alert played out: forward returns and excursions.

    Returns are fractions signed in the alert's direction, ``None`` where not
    (yet) known; ``mfe``/``mae`` over the 30-minute horizon; the simulated
    trade's P&L in dollars. ``complete`` once every horizon has passed.
    """

    __tablename__ = "alert_outcomes"
    __table_args__ = (Index(None, "complete", "graded_at"),)

    alert_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("screener_alerts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    ret_1m: Mapped[float | None] = mapped_column(Float)
    ret_5m: Mapped[float | None] = mapped_column(Float)
    ret_30m: Mapped[float | None] = mapped_column(Float)
    ret_close: Mapped[float | None] = mapped_column(Float)
    mfe: Mapped[float | None] = mapped_column(Float)
    mae: Mapped[float | None] = mapped_column(Float)
    trade_pnl: Mapped[float | None] = mapped_column(Float)  # dollars
    trade_return: Mapped[float | None] = mapped_column(Float)  # fraction of the entry value
    complete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    graded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# --- The notifier's position (added with the API wiring; see tradeassist.notify.follow) ---


class NotifierCursorRow(Base):
    """How far a notifier has claimed the alert stream: every alert up to ``last_alert_id``."""

    __tablename__ = "notifier_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_alert_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


# --- The notifier's delivery ledger (see tradeassist.notify.ledger) ---------------------


class NotifyDeliveryRow(Base):
    """One thing owed to one user for one alert: a text, a webhook post or an auto-trade.

    Recorded (``pending``, or ``held`` for a digest) in the transaction that
    moves the notifier's cursor, marked ``sent`` once handed on; the unique
    key makes a replayed batch record nothing new. ``target`` is the
    subscription for per-subscription channels (webhook), else 0.
    """

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "user_id", "channel", "target"),
        CheckConstraint(_in("state", ("pending", "held", "sent")), name="state"),
        Index(None, "state", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign key: whatever the bus carried is owed, even an alert kept elsewhere.
    alert_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[str] = _user_fk()
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = _created()
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
