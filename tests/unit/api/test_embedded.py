from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr

from tradeassist.api.embedded import ensure_admin_token, jwt_secret
from tradeassist.api.tokens import TokenVerifier
from tradeassist.settings import Settings


def settings(tmp_path: Path, secret: str | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        supabase_jwt_secret=SecretStr(secret) if secret else None,
        _env_file=None,  # type: ignore[call-arg]
    )


def test_the_generated_secret_is_kept_private_and_stable(tmp_path: Path) -> None:
    first = jwt_secret(settings(tmp_path))
    second = jwt_secret(settings(tmp_path))

    path = tmp_path / "data" / "jwt_secret"
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_admin_token_is_made_once_and_is_an_admin(tmp_path: Path) -> None:
    token = ensure_admin_token(settings(tmp_path))
    again = ensure_admin_token(settings(tmp_path))

    assert token is not None
    assert again is None
    stored = (tmp_path / "data" / "admin_token").read_text().strip()
    assert stored == token
    assert stat.S_IMODE((tmp_path / "data" / "admin_token").stat().st_mode) == 0o600
    identity = await TokenVerifier(secret=jwt_secret(settings(tmp_path))).verify(token)
    assert identity.is_admin


def test_with_a_supabase_secret_no_admin_token_is_made(tmp_path: Path) -> None:
    configured = settings(tmp_path, secret="s" * 40)

    assert ensure_admin_token(configured) is None
    assert jwt_secret(configured) == "s" * 40
    assert not (tmp_path / "data" / "admin_token").exists()
