from __future__ import annotations

import pytest

from tradeassist.errors import ConfigError
from tradeassist.settings import load_settings


def test_defaults_are_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "TEMPORAL_ADDRESS", "DATABENTO_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings(_env_file=None)

    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith("data/tradeassist.db")
    assert settings.redis_url is None
    assert settings.databento_dataset == "EQUS.MINI"
    assert settings.gap_levels == (3.0, 5.0, 10.0, 20.0)
    assert settings.min_price == 1.0


def test_flat_environment_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/x")
    monkeypatch.setenv("TRADEASSIST_DATABENTO_PORT", "13000")
    monkeypatch.setenv("TRADEASSIST_GAP_LEVELS", "2, 4,8")
    monkeypatch.setenv("TRADEASSIST_PUBLIC_ALERTS", "true")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "very-secret-token")

    settings = load_settings(_env_file=None)

    assert settings.resolved_database_url == "postgresql://u@db.example/x"
    assert settings.databento_port == 13000
    assert settings.gap_levels == (2.0, 4.0, 8.0)
    assert settings.public_alerts is True
    assert "very-secret-token" not in repr(settings)
    assert settings.twilio_auth_token is not None
    assert settings.twilio_auth_token.get_secret_value() == "very-secret-token"


def test_malformed_value_is_one_line_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEASSIST_DATABENTO_PORT", "not-a-port")

    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)

    assert "\n" not in str(info.value)
    assert "databento_port" in str(info.value).lower() or "DATABENTO_PORT" in str(info.value)


def test_gap_levels_must_ascend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEASSIST_GAP_LEVELS", "5,3")

    with pytest.raises(ConfigError):
        load_settings(_env_file=None)
