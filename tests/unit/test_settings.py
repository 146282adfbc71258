from __future__ import annotations

from pathlib import Path

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


def test_env_file_fills_what_the_process_does_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "TRADEASSIST_MIN_PRICE=2.5\n"
        "export TRADEASSIST_COOLDOWN_SECONDS=60\n"
        'TRADEASSIST_GAP_LEVELS="4,8"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("TRADEASSIST_MIN_PRICE", raising=False)
    monkeypatch.delenv("TRADEASSIST_GAP_LEVELS", raising=False)
    monkeypatch.setenv("tradeassist_cooldown_seconds", "90")  # any case; the process wins

    settings = load_settings(_env_file=env_file)
    without = load_settings(_env_file=None)
    given = load_settings(_env_file=env_file, min_price=7.0)

    assert (settings.min_price, settings.cooldown_seconds, settings.gap_levels) == (
        2.5,
        90,
        (4.0, 8.0),
    )
    assert (without.min_price, without.cooldown_seconds) == (1.0, 90)
    assert given.min_price == 7.0


def test_the_env_file_of_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("TRADEASSIST_VWAP_MIN_MINUTES=25\n")
    monkeypatch.delenv("TRADEASSIST_VWAP_MIN_MINUTES", raising=False)
    monkeypatch.chdir(tmp_path)

    assert load_settings().vwap_min_minutes == 25
