"""The notifier's tunables come from flat ``TRADEASSIST_*`` variables."""

from __future__ import annotations

import pytest

from tradeassist.notify.config import DEFAULT_CLAUDE_MODEL, NotifyConfig, config_from_settings
from tradeassist.settings import Settings

ENVIRONMENT = {
    "TRADEASSIST_SMS_PER_MINUTE": "3",
    "TRADEASSIST_SMS_DIGEST_SECONDS": "120",
    "TRADEASSIST_SMS_COST_PER_SEGMENT": "0.01",
    "TRADEASSIST_SMS_DAILY_CAP_USER": "0.5",
    "TRADEASSIST_SMS_DAILY_CAP_TOTAL": "10",
    "TRADEASSIST_SMS_CODE_TTL_SECONDS": "300",
    "TRADEASSIST_SMS_HELP_CONTACT": "support@example.com",
    "TRADEASSIST_CLAUDE_MODEL": "claude-sonnet-5",
    "TRADEASSIST_CLAUDE_TIMEOUT": "2.5",
    "TRADEASSIST_TWILIO_API_BASE": "http://127.0.0.1:9999",
    "TRADEASSIST_NOTIFY_RELOAD_SECONDS": "10",
    "TRADEASSIST_DELIVERY_RETENTION_DAYS": "7",
}


def settings_from(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_variable_reaches_the_notifier(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_from_settings(settings_from(monkeypatch, ENVIRONMENT))

    assert (config.sms_per_minute, config.digest_window_seconds) == (3, 120.0)
    assert (config.cost_per_segment, config.daily_cap_per_user, config.daily_cap_total) == (
        0.01,
        0.5,
        10.0,
    )
    assert config.verification_ttl_seconds == 300
    assert config.help_contact == "support@example.com"
    assert (config.claude_model, config.claude_timeout_seconds) == ("claude-sonnet-5", 2.5)
    assert config.twilio_api_base == "http://127.0.0.1:9999"
    assert config.reload_seconds == 10.0
    assert config.retention_days == 7.0


def test_unset_variables_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    config = config_from_settings(Settings(_env_file=None))  # type: ignore[call-arg]

    assert config == NotifyConfig()
    assert config.retention_days == 30.0
    assert config.claude_model == DEFAULT_CLAUDE_MODEL == "claude-haiku-5-5"


def test_an_empty_unknown_number_reply_means_no_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = settings_from(monkeypatch, {"TRADEASSIST_SMS_UNKNOWN_REPLY": ""})
    custom = Settings(sms_unknown_reply="Who is this?", _env_file=None)  # type: ignore[call-arg]

    assert config_from_settings(silent).unknown_number_reply is None
    assert config_from_settings(custom).unknown_number_reply == "Who is this?"


def test_background_work_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEASSIST_NOTIFIER", raising=False)
    monkeypatch.delenv("TRADEASSIST_GRADE_INTERVAL_SECONDS", raising=False)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    env = {"TRADEASSIST_NOTIFIER": "false", "TRADEASSIST_GRADE_INTERVAL_SECONDS": "0"}

    settings = settings_from(monkeypatch, env)

    assert (defaults.notifier, defaults.grade_interval_seconds) == (True, 60.0)
    assert (settings.notifier, settings.grade_interval_seconds) == (False, 0.0)
