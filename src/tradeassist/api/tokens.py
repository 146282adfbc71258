"""Bearer JWTs the way Supabase Auth issues them.

A token is accepted when its signature verifies (HS256 with the project's JWT
secret, or an asymmetric key from a JWKS), ``exp`` is in the future, ``aud`` is
``"authenticated"`` and ``sub`` (the user id) is present. Admins carry
``app_metadata.role == "admin"``. Times are seconds since the epoch (UTC).
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from tradeassist.api.jwks import JwksSource
from tradeassist.errors import AuthError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "AUDIENCE",
    "Identity",
    "TokenVerifier",
    "identity_from_claims",
    "mint_token",
]

AUDIENCE = "authenticated"
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA")
_LEEWAY_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a credential speaks for.

    ``role`` is ``"admin"`` or ``"user"``; ``claims`` are the JWT claims (or the
    equivalent for an API key), handed to Postgres row-level security.
    """

    user_id: str
    role: str
    email: str | None = None
    phone: str | None = None
    api_key_id: int | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def rate_key(self) -> str:
        """The rate-limit bucket: one per API key, else one per user."""
        if self.api_key_id is not None:
            return f"key:{self.api_key_id}"
        return f"user:{self.user_id}"


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The caller a verified token speaks for; ``AuthError`` when ``sub`` is unusable."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 36:
        raise AuthError("token has no usable subject")
    app_metadata = claims.get("app_metadata")
    admin = isinstance(app_metadata, Mapping) and app_metadata.get("role") == "admin"
    email = claims.get("email")
    phone = claims.get("phone")
    return Identity(
        user_id=sub,
        role="admin" if admin else "user",
        email=email if isinstance(email, str) and email else None,
        phone=phone if isinstance(phone, str) and phone else None,
        claims=dict(claims),
    )


class TokenVerifier:
    """Verifies bearer tokens against an HS256 secret and/or a JWKS."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        jwks: JwksSource | None = None,
        clock: Callable[[], float] = time.time,
        remember: int = 10_000,
    ) -> None:
        if secret is None and jwks is None:
            raise ValueError("a token verifier needs a secret or a JWKS")
        self._secret = secret
        self._jwks = jwks
        self._clock = clock
        # Verified tokens by their text: a token cannot change, so until its
        # ``exp`` the signature need not be checked again (~0.1 ms a request).
        self._verified: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self._remember = remember

    @property
    def can_mint(self) -> bool:
        """True when we hold the HS256 secret, so we can issue tokens ourselves."""
        return self._secret is not None

    def mint(
        self,
        *,
        user_id: str,
        admin: bool = False,
        email: str | None = None,
        phone: str | None = None,
        ttl_seconds: int = 3600,
        now: float | None = None,
    ) -> str:
        """A token this verifier accepts (HS256); ``ValueError`` without a secret."""
        if self._secret is None:
            raise ValueError("this server holds no HS256 secret to sign tokens with")
        return mint_token(
            self._secret,
            user_id=user_id,
            admin=admin,
            email=email,
            phone=phone,
            ttl_seconds=ttl_seconds,
            now=now,
        )

    async def verify(self, token: str) -> Identity:
        """The identity of a valid token; ``AuthError`` (one line, no detail leak) otherwise."""
        known = self._verified.get(token)
        if known is not None:
            identity, exp = known
            if exp + _LEEWAY_SECONDS >= self._clock():
                self._verified.move_to_end(token)
                return identity
            del self._verified[token]
        identity = await self._verify(token)
        exp_claim = identity.claims.get("exp")
        if isinstance(exp_claim, int | float):
            self._verified[token] = (identity, float(exp_claim))
            while len(self._verified) > self._remember:
                self._verified.popitem(last=False)
        return identity

    async def _verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed bearer token") from None
        alg = header.get("alg")
        key: Any
        if alg == "HS256" and self._secret is not None:
            key = self._secret
        elif alg in ASYMMETRIC_ALGORITHMS and self._jwks is not None:
            kid = header.get("kid")
            key = (await self._jwks.key(kid if isinstance(kid, str) else None)).key
        else:
            raise AuthError("token is signed with an algorithm this server does not accept")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[str(alg)],
                audience=AUDIENCE,
                leeway=_LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "aud"], "verify_iat": False},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("token is not meant for this service (audience)") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise AuthError("token signature or claims are invalid") from None
        # PyJWT checks exp against the wall clock; an injected clock is checked too (tests).
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp + _LEEWAY_SECONDS < self._clock():
            raise AuthError("token has expired")
        return identity_from_claims(claims)


def mint_token(
    secret: str,
    *,
    user_id: str | None = None,
    admin: bool = False,
    email: str | None = None,
    phone: str | None = None,
    ttl_seconds: int = 3600,
    now: float | None = None,
) -> str:
    """An HS256 token shaped like Supabase's (``aud`` authenticated, ``role`` authenticated)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": user_id or str(uuid.uuid4()),
        "aud": AUDIENCE,
        "role": "authenticated",
        "iat": issued,
        "exp": issued + ttl_seconds,
        "app_metadata": {"role": "admin"} if admin else {},
    }
    if email:
        claims["email"] = email
    if phone:
        claims["phone"] = phone
    return jwt.encode(claims, secret, algorithm="HS256")
