"""The notifier's tunables, with defaults; :func:`config_from_settings` fills them.

The environment names (flat, ``TRADEASSIST_`` prefix, fields of
:class:`~tradeassist.settings.Settings`), one per field:

=====================================  ===================================  ===============
field                                  variable                             default
=====================================  ===================================  ===============
sms_per_minute                         TRADEASSIST_SMS_PER_MINUTE           5 texts
digest_window_seconds                  TRADEASSIST_SMS_DIGEST_SECONDS       300 s
cost_per_segment                       TRADEASSIST_SMS_COST_PER_SEGMENT     0.0083 dollars
daily_cap_per_user                     TRADEASSIST_SMS_DAILY_CAP_USER       1.00 dollars
daily_cap_total                        TRADEASSIST_SMS_DAILY_CAP_TOTAL      25.00 dollars
verification_ttl_seconds               TRADEASSIST_SMS_CODE_TTL_SECONDS     600 s
claude_model                           TRADEASSIST_CLAUDE_MODEL             claude-haiku-5-5
claude_timeout_seconds                 TRADEASSIST_CLAUDE_TIMEOUT           5 s
twilio_api_base                        TRADEASSIST_TWILIO_API_BASE          unset (Twilio's)
unknown_number_reply                   TRADEASSIST_SMS_UNKNOWN_REPLY        a fixed sentence
help_contact                           TRADEASSIST_SMS_HELP_CONTACT         the dashboard
reload_seconds                         TRADEASSIST_NOTIFY_RELOAD_SECONDS    30 s
auto_trade_risk                        TRADEASSIST_RISK_PER_TRADE           100 dollars
retention_days                         TRADEASSIST_DELIVERY_RETENTION_DAYS  30 days
=====================================  ===================================  ===============

The rest keep their defaults unless someone needs to change them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tradeassist.settings import Settings

__all__ = ["DEFAULT_CLAUDE_MODEL", "NotifyConfig", "config_from_settings"]

#: Claude's fastest current model: a text command must be understood in well under a second.
DEFAULT_CLAUDE_MODEL = "claude-haiku-5-5"


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """What the notifier, the SMS queue and the conversation need to know; units in names."""

    # --- per-user alert texts ---------------------------------------------------------
    sms_per_minute: int = 5
    """Most alert texts one user gets in any 60 seconds; the rest wait for a digest."""
    digest_window_seconds: float = 300.0
    """How long alerts held back by the rate limit collect before one digest text."""
    digest_max_lines: int = 5

    # --- cost ----------------------------------------------------------------------------
    cost_per_segment: float = 0.0083
    """Dollars per outbound SMS segment (160 GSM-7 or 70 UCS-2 characters)."""
    daily_cap_per_user: float = 1.00
    """Dollars of texts one user may be sent per day (US/Eastern calendar day)."""
    daily_cap_total: float = 25.00
    """Dollars of texts everyone together may be sent per day."""

    # --- phone verification ------------------------------------------------------------------
    verification_ttl_seconds: int = 600
    verification_max_attempts: int = 5
    verification_resend_seconds: int = 30

    # --- conversation ------------------------------------------------------------------------
    confirm_ttl_seconds: int = 300
    """How long a CLOSE or CLOSE ALL waits for its YES."""
    unknown_number_reply: str | None = (
        "This number is not registered with TradeAssist. Sign up and verify it in the dashboard."
    )
    help_contact: str = "the TradeAssist dashboard"
    inbound_per_minute: int = 20
    """Texts a user may send in any 60 seconds and get answers to (keywords always count)."""

    # --- sending ----------------------------------------------------------------------------------
    send_max_attempts: int = 6
    send_backoff_seconds: float = 1.0
    send_backoff_max_seconds: float = 300.0
    send_batch: int = 50
    send_lease_seconds: float = 60.0
    """A claimed message is retried after this long if its sender died mid-send."""
    breaker_failures: int = 5
    """Consecutive failures that open the circuit to Twilio."""
    breaker_reset_seconds: float = 30.0
    breaker_max_reset_seconds: float = 600.0
    twilio_timeout_seconds: float = 10.0
    twilio_api_base: str | None = None
    """Another address for Twilio's REST API (a proxy, a loopback server in tests)."""

    # --- outbound webhooks -----------------------------------------------------------------------
    webhook_max_attempts: int = 5
    webhook_backoff_seconds: float = 1.0
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = 20

    # --- Claude ---------------------------------------------------------------------------------
    claude_model: str = DEFAULT_CLAUDE_MODEL
    claude_timeout_seconds: float = 5.0
    claude_max_tokens: int = 400

    # --- the directory of subscriptions ---------------------------------------------------------
    reload_seconds: float = 30.0
    """How often the notifier re-reads subscriptions (changes made here reload at once)."""

    # --- the delivery ledger and auto-trade -----------------------------------------------------
    delivery_lease_seconds: float = 30.0
    """A recorded delivery still unsent after this long was left by a crash: it is sent then."""
    auto_trade_risk: float = 100.0
    """Dollars risked per auto-trade when its subscription gives neither quantity nor risk."""
    auto_trade_stop_pct: float = 2.0
    """An auto-trade's stop, percent from the alert's price, when its subscription gives none."""

    # --- retention (see tradeassist.notify.retention) -------------------------------------------
    retention_days: float = 30.0
    """Finished ledger and SMS-queue rows older than this are deleted; 0 keeps them forever."""
    retention_interval_seconds: float = 3600.0
    """How often the notifier deletes them."""
    retention_chunk_rows: int = 1000
    """Rows deleted per transaction (SQLite has one writer: a chunk holds it briefly)."""


def config_from_settings(settings: Settings, base: NotifyConfig | None = None) -> NotifyConfig:
    """``base`` (default: the defaults) with every field the settings name filled in."""
    config = base or NotifyConfig()
    unknown_reply = config.unknown_number_reply
    if settings.sms_unknown_reply is not None:
        unknown_reply = settings.sms_unknown_reply.strip() or None  # empty: answer nothing
    return replace(
        config,
        sms_per_minute=settings.sms_per_minute,
        digest_window_seconds=settings.sms_digest_seconds,
        cost_per_segment=settings.sms_cost_per_segment,
        daily_cap_per_user=settings.sms_daily_cap_user,
        daily_cap_total=settings.sms_daily_cap_total,
        verification_ttl_seconds=settings.sms_code_ttl_seconds,
        claude_model=settings.claude_model,
        claude_timeout_seconds=settings.claude_timeout_seconds,
        twilio_api_base=settings.twilio_api_base or config.twilio_api_base,
        unknown_number_reply=unknown_reply,
        help_contact=settings.sms_help_contact or config.help_contact,
        reload_seconds=settings.notify_reload_seconds,
        auto_trade_risk=settings.risk_per_trade,
        retention_days=settings.delivery_retention_days,
    )
