"""The one typed settings object, read once from the environment (and `.env`).

Every variable has the flat name PRODUCT.md gives it, set as an alias; there
are no nested delimiters, names are matched without regard to case, and a
variable of the process wins over the same one in ``.env``, which wins over
the default. Secrets are ``SecretStr`` so they never reach a log line or an
error message by accident.

The environment is read here rather than by ``pydantic-settings``, whose
import alone cost every command about 0.15 s; every value is a string
validated by the field's own type, as there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from tradeassist.errors import ConfigError

__all__ = ["ENV_FILE", "Settings", "load_settings"]

ENV_FILE = ".env"  # read from the working directory, when there is one


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


def _environment(env_file: str | Path | None) -> dict[str, str]:
    """Every variable by lower-cased name: ``env_file``'s, overridden by the process's."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        for name, value in dotenv_values(env_file, encoding="utf-8").items():
            if value is not None:
                values[name.lower()] = value
    values.update((name.lower(), value) for name, value in os.environ.items())
    return values


class Settings(BaseModel):
    """Everything configurable, with the defaults of the embedded mode.

    ``Settings(**values)`` takes ``values`` (by field name or variable name)
    first, then the environment; ``_env_file=None`` leaves ``.env`` out.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    def __init__(self, _env_file: str | Path | None = ENV_FILE, **values: Any) -> None:
        given = {key.lower() for key in values}
        environment = _environment(_env_file)
        for name, field in type(self).model_fields.items():
            alias = field.validation_alias
            names = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else [name]
            if name in given or any(n.lower() in given for n in names):
                continue
            for variable in names:
                if variable.lower() in environment:
                    values[name] = environment[variable.lower()]
                    break
        super().__init__(**values)

    # --- services -------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        validation_alias=_env("DATABASE_URL"),
        description="SQLAlchemy or Supabase URL; unset: a SQLite file under the data dir.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=_env("REDIS_URL"),
        description="Redis for the alert stream; unset: in-process bus.",
    )
    temporal_address: str | None = Field(
        default=None,
        validation_alias=_env("TEMPORAL_ADDRESS"),
        description="host:port of Temporal; unset: `run` starts the bundled dev server.",
    )
    temporal_namespace: str = Field(
        default="default", validation_alias=_env("TRADEASSIST_TEMPORAL_NAMESPACE")
    )
    databento_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("DATABENTO_API_KEY")
    )
    databento_dataset: str = Field(
        default="EQUS.MINI", validation_alias=_env("TRADEASSIST_DATABENTO_DATASET")
    )
    databento_status: Literal["auto", "on", "off"] = Field(
        default="auto",
        validation_alias=_env("TRADEASSIST_DATABENTO_STATUS"),
        description="Subscribe to trading status (halts) too: auto = when the dataset has it.",
    )
    databento_gateway: str | None = Field(
        default=None, validation_alias=_env("TRADEASSIST_DATABENTO_GATEWAY")
    )
    databento_port: int | None = Field(
        default=None, validation_alias=_env("TRADEASSIST_DATABENTO_PORT")
    )
    twilio_account_sid: str | None = Field(
        default=None, validation_alias=_env("TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None, validation_alias=_env("TWILIO_AUTH_TOKEN")
    )
    twilio_from_number: str | None = Field(
        default=None, validation_alias=_env("TWILIO_FROM_NUMBER")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("ANTHROPIC_API_KEY")
    )
    supabase_jwt_secret: SecretStr | None = Field(
        default=None,
        validation_alias=_env("SUPABASE_JWT_SECRET"),
        description="HS256 secret for bearer JWTs; unset: generated and kept in the data dir.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=_env("TRADEASSIST_PUBLIC_URL"),
        description="The address Twilio and browsers reach the API at.",
    )

    # --- process ----------------------------------------------------------------
    data_dir: Path = Field(default=Path("data"), validation_alias=_env("TRADEASSIST_DATA_DIR"))
    host: str = Field(default="127.0.0.1", validation_alias=_env("TRADEASSIST_HOST"))
    port: int = Field(default=8000, validation_alias=_env("TRADEASSIST_PORT"))
    log_level: str = Field(default="INFO", validation_alias=_env("TRADEASSIST_LOG_LEVEL"))
    auto_migrate: bool = Field(
        default=True,
        validation_alias=_env("TRADEASSIST_AUTO_MIGRATE"),
        description="Bring the database to the latest migration when a command starts.",
    )
    public_alerts: bool = Field(
        default=False,
        validation_alias=_env("TRADEASSIST_PUBLIC_ALERTS"),
        description="Let anyone read alerts without a token.",
    )

    # --- API ------------------------------------------------------------------------
    jwks_url: str | None = Field(
        default=None,
        validation_alias=_env("TRADEASSIST_JWKS_URL"),
        description="JWKS URL or file for asymmetric JWTs (beside the HS256 secret).",
    )
    rate_limit_per_minute: float = Field(
        default=600.0,
        validation_alias=_env("TRADEASSIST_RATE_LIMIT_PER_MINUTE"),
        description="Requests per minute per client; 0 turns limiting off.",
    )
    rate_limit_burst: int = Field(
        default=100, validation_alias=_env("TRADEASSIST_RATE_LIMIT_BURST")
    )
    max_body_bytes: int = Field(
        default=1_048_576, validation_alias=_env("TRADEASSIST_MAX_BODY_BYTES")
    )
    bus_poll_seconds: float = Field(
        default=0.05,
        validation_alias=_env("TRADEASSIST_BUS_POLL_SECONDS"),
        description="How often the API follows new alert rows written by another process.",
    )

    # --- background work of the API -----------------------------------------------
    notifier: bool = Field(
        default=True,
        validation_alias=_env("TRADEASSIST_NOTIFIER"),
        description="Run the notifier (alert texts, webhooks, SMS webhooks) in the API.",
    )
    notifier_consumer: str | None = Field(
        default=None,
        validation_alias=_env("TRADEASSIST_NOTIFIER_CONSUMER"),
        description="This replica's name in the Redis consumer group; unset: host-pid-random.",
    )
    redis_stream: str = Field(
        default="tradeassist:alerts",
        validation_alias=_env("TRADEASSIST_REDIS_STREAM"),
        description="The Redis Stream alerts go on (with REDIS_URL).",
    )
    grade_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        validation_alias=_env("TRADEASSIST_GRADE_INTERVAL_SECONDS"),
        description="How often live alerts are graded from stored bars; 0 turns it off.",
    )

    # --- notifier and SMS (see tradeassist.notify.config) ---------------------------
    sms_per_minute: int = Field(
        default=5, ge=1, validation_alias=_env("TRADEASSIST_SMS_PER_MINUTE")
    )
    sms_digest_seconds: float = Field(
        default=300.0, gt=0, validation_alias=_env("TRADEASSIST_SMS_DIGEST_SECONDS")
    )
    sms_cost_per_segment: float = Field(
        default=0.0083, ge=0, validation_alias=_env("TRADEASSIST_SMS_COST_PER_SEGMENT")
    )
    sms_daily_cap_user: float = Field(
        default=1.00, ge=0, validation_alias=_env("TRADEASSIST_SMS_DAILY_CAP_USER")
    )
    sms_daily_cap_total: float = Field(
        default=25.00, ge=0, validation_alias=_env("TRADEASSIST_SMS_DAILY_CAP_TOTAL")
    )
    sms_code_ttl_seconds: int = Field(
        default=600, ge=60, validation_alias=_env("TRADEASSIST_SMS_CODE_TTL_SECONDS")
    )
    sms_unknown_reply: str | None = Field(
        default=None,
        validation_alias=_env("TRADEASSIST_SMS_UNKNOWN_REPLY"),
        description="The answer to an unregistered number; unset: a default; empty: none.",
    )
    sms_help_contact: str | None = Field(
        default=None, validation_alias=_env("TRADEASSIST_SMS_HELP_CONTACT")
    )
    twilio_api_base: str | None = Field(
        default=None,
        validation_alias=_env("TRADEASSIST_TWILIO_API_BASE"),
        description="Another address for Twilio's REST API (a proxy); unset: Twilio's.",
    )
    claude_model: str = Field(
        default="claude-haiku-5-5", validation_alias=_env("TRADEASSIST_CLAUDE_MODEL")
    )
    claude_timeout_seconds: float = Field(
        default=5.0, gt=0, validation_alias=_env("TRADEASSIST_CLAUDE_TIMEOUT")
    )
    notify_reload_seconds: float = Field(
        default=30.0,
        gt=0,
        validation_alias=_env("TRADEASSIST_NOTIFY_RELOAD_SECONDS"),
        description="How often the notifier re-reads subscriptions changed elsewhere.",
    )
    delivery_retention_days: float = Field(
        default=30.0,
        ge=0,
        validation_alias=_env("TRADEASSIST_DELIVERY_RETENTION_DAYS"),
        description="Days finished delivery-ledger and SMS-queue rows are kept (0: forever).",
    )

    # --- screener ---------------------------------------------------------------
    min_price: float = Field(default=1.0, validation_alias=_env("TRADEASSIST_MIN_PRICE"))
    min_day_volume: int = Field(
        default=0,
        validation_alias=_env("TRADEASSIST_MIN_DAY_VOLUME"),
        description="Shares traded today before a symbol may alert; 0: off.",
    )
    max_spread_pct: float = Field(
        default=0.0,
        validation_alias=_env("TRADEASSIST_MAX_SPREAD_PCT"),
        description="Widest spread, percent of mid, at which a symbol may alert; 0: off.",
    )
    cooldown_seconds: int = Field(
        default=300, validation_alias=_env("TRADEASSIST_COOLDOWN_SECONDS")
    )
    gap_levels: tuple[float, ...] = Field(
        default=(3.0, 5.0, 10.0, 20.0),
        validation_alias=_env("TRADEASSIST_GAP_LEVELS"),
        description="Gap levels in percent of the previous close, comma-separated.",
    )
    volume_spike_multiple: float = Field(
        default=5.0, validation_alias=_env("TRADEASSIST_VOLUME_SPIKE_MULTIPLE")
    )
    volume_spike_min_shares: int = Field(
        default=10_000, validation_alias=_env("TRADEASSIST_VOLUME_SPIKE_MIN_SHARES")
    )
    volume_spike_window_seconds: int = Field(
        default=60, validation_alias=_env("TRADEASSIST_VOLUME_SPIKE_WINDOW_SECONDS")
    )
    hod_delay_minutes: int = Field(
        default=15, validation_alias=_env("TRADEASSIST_HOD_DELAY_MINUTES")
    )
    opening_range_minutes: int = Field(
        default=5, validation_alias=_env("TRADEASSIST_OPENING_RANGE_MINUTES")
    )
    vwap_min_minutes: int = Field(default=10, validation_alias=_env("TRADEASSIST_VWAP_MIN_MINUTES"))
    min_trade_size: int = Field(
        default=100,
        validation_alias=_env("TRADEASSIST_MIN_TRADE_SIZE"),
        description="Trades smaller than this (odd lots) count for volume but never set a price.",
    )

    # trade lifecycle
    risk_per_trade: float = Field(
        default=100.0,
        gt=0,
        validation_alias=_env("TRADEASSIST_RISK_PER_TRADE"),
        description="Dollars a paper trade sized by risk loses at its stop.",
    )
    daily_loss_limit: float = Field(
        default=500.0,
        ge=0,
        validation_alias=_env("TRADEASSIST_DAILY_LOSS_LIMIT"),
        description="Dollars of realized loss per user and day after which entries stop; 0: off.",
    )
    confirm_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias=_env("TRADEASSIST_CONFIRM_TIMEOUT_SECONDS"),
        description="How long a proposed trade waits for its YES before it expires.",
    )

    @field_validator("gap_levels", mode="before")
    @classmethod
    def _split_levels(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return tuple(float(p) for p in parts)
        return value

    @field_validator("gap_levels")
    @classmethod
    def _check_levels(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(v <= 0 for v in value) or list(value) != sorted(value):
            raise ValueError("gap levels must be positive and ascending")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tradeassist.db').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; a malformed value is a one-line ``ConfigError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise ConfigError(f"invalid setting {where}: {first.get('msg', 'invalid value')}") from None
