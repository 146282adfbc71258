"""Credentials of the embedded mode (no ``SUPABASE_JWT_SECRET`` set).

The HS256 secret is generated once and kept in ``<data dir>/jwt_secret``; an
admin token signed with it is generated on the first run, kept in
``<data dir>/admin_token`` and handed back once so ``run`` can print it.
Both files are created with mode 0600 (owner only).
"""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from tradeassist.api.tokens import mint_token
from tradeassist.errors import ConfigError
from tradeassist.settings import Settings

__all__ = ["ADMIN_TOKEN_TTL_SECONDS", "ensure_admin_token", "jwt_secret"]

# The embedded admin token is the key to a single-user install; it lives as long as the data dir.
ADMIN_TOKEN_TTL_SECONDS = 10 * 365 * 24 * 3600
_SECRET_FILE = "jwt_secret"
_ADMIN_FILE = "admin_token"


def _write_private(path: Path, text: str) -> bool:
    """Create ``path`` with mode 0600 holding ``text``; False when it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        raise ConfigError(f"cannot read {path.name} in the data directory") from None


def jwt_secret(settings: Settings) -> str:
    """The HS256 secret: ``SUPABASE_JWT_SECRET`` if set, else the data dir's (made once)."""
    if settings.supabase_jwt_secret is not None:
        return settings.supabase_jwt_secret.get_secret_value()
    path = settings.data_dir / _SECRET_FILE
    try:
        # O_EXCL makes two processes starting at once agree on one secret.
        _write_private(path, secrets.token_urlsafe(48))
    except OSError:
        raise ConfigError("cannot create the JWT secret in the data directory") from None
    secret = _read(path)
    if len(secret) < 32:
        raise ConfigError("the JWT secret in the data directory is too short")
    return secret


def ensure_admin_token(settings: Settings) -> str | None:
    """Make the embedded admin token on first run and return it; None afterwards.

    Returns None as well when ``SUPABASE_JWT_SECRET`` is set: then Supabase
    Auth issues the tokens, and admins are marked in its ``app_metadata``.
    """
    if settings.supabase_jwt_secret is not None:
        return None
    token = mint_token(
        jwt_secret(settings),
        user_id=str(uuid.uuid4()),
        admin=True,
        ttl_seconds=ADMIN_TOKEN_TTL_SECONDS,
    )
    try:
        created = _write_private(settings.data_dir / _ADMIN_FILE, token + "\n")
    except OSError:
        raise ConfigError("cannot store the admin token in the data directory") from None
    return token if created else None
