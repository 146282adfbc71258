from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tradeassist.api.jwks import JwksSource
from tradeassist.api.tokens import TokenVerifier, mint_token
from tradeassist.errors import AuthError

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
USER = "0b9a3c1e-6f2d-4a53-9d1e-2f6c5b7a8e90"


def claims(**over: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": USER,
        "aud": "authenticated",
        "role": "authenticated",
        "exp": now + 600,
        "iat": now,
        "email": "ann@example.com",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


async def test_a_supabase_style_token_gives_its_subject() -> None:
    verifier = TokenVerifier(secret=SECRET)

    identity = await verifier.verify(jwt.encode(claims(), SECRET, algorithm="HS256"))

    assert identity.user_id == USER
    assert identity.email == "ann@example.com"
    assert identity.role == "user"


async def test_app_metadata_role_admin_makes_an_admin() -> None:
    token = mint_token(SECRET, user_id=USER, admin=True)

    identity = await TokenVerifier(secret=SECRET).verify(token)

    assert identity.is_admin


@pytest.mark.parametrize(
    ("token_claims", "key", "message"),
    [
        (claims(exp=int(time.time()) - 60), SECRET, "expired"),
        (claims(), "another-secret-of-the-same-kind-but-wrong", "invalid"),
        (claims(aud="anon"), SECRET, "audience"),
        (claims(sub=None), SECRET, "sub"),
        (claims(exp=None), SECRET, "exp"),
        (claims(aud=None), SECRET, "aud"),
    ],
    ids=["expired", "forged", "wrong-audience", "no-sub", "no-exp", "no-aud"],
)
async def test_bad_tokens_are_refused(
    token_claims: dict[str, object], key: str, message: str
) -> None:
    token = jwt.encode(token_claims, key, algorithm="HS256")

    with pytest.raises(AuthError, match=message):
        await TokenVerifier(secret=SECRET).verify(token)


async def test_unsigned_and_garbage_tokens_are_refused() -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none")
    verifier = TokenVerifier(secret=SECRET)

    with pytest.raises(AuthError):
        await verifier.verify(unsigned)
    with pytest.raises(AuthError, match="malformed"):
        await verifier.verify("not-a-jwt")


async def test_an_injected_clock_past_expiry_refuses_the_token() -> None:
    token = mint_token(SECRET, user_id=USER, ttl_seconds=60)

    with pytest.raises(AuthError, match="expired"):
        await TokenVerifier(secret=SECRET, clock=lambda: time.time() + 3600).verify(token)


def _rsa_jwks(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": "k1", "alg": "RS256", "use": "sig"})
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public]}))
    return key, path


async def test_asymmetric_tokens_verify_against_a_jwks_file(tmp_path: Path) -> None:
    key, path = _rsa_jwks(tmp_path)
    verifier = TokenVerifier(jwks=JwksSource(str(path)))
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})

    identity = await verifier.verify(token)

    assert identity.user_id == USER


async def test_a_token_naming_an_unknown_key_is_refused(tmp_path: Path) -> None:
    key, path = _rsa_jwks(tmp_path)
    verifier = TokenVerifier(jwks=JwksSource(str(path)))
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "other"})

    with pytest.raises(AuthError, match="unknown key"):
        await verifier.verify(token)


async def test_hs256_is_refused_when_only_a_jwks_is_configured(tmp_path: Path) -> None:
    _, path = _rsa_jwks(tmp_path)
    verifier = TokenVerifier(jwks=JwksSource(str(path)))

    with pytest.raises(AuthError, match="algorithm"):
        await verifier.verify(mint_token(SECRET, user_id=USER))


async def test_a_remembered_token_is_still_refused_once_it_expires() -> None:
    now = [time.time()]
    verifier = TokenVerifier(secret=SECRET, clock=lambda: now[0])
    token = mint_token(SECRET, user_id=USER, ttl_seconds=60)
    await verifier.verify(token)

    now[0] += 3600

    with pytest.raises(AuthError, match="expired"):
        await verifier.verify(token)


async def test_keys_are_fetched_from_a_jwks_url_and_refetched_on_rotation(tmp_path: Path) -> None:
    old_key, _ = _rsa_jwks(tmp_path)
    new_key, _ = _rsa_jwks(tmp_path)
    published = {"keys": [_public_jwk(old_key, "old")]}
    fetches: list[str] = []

    def issuer(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json=published)

    clock = [0.0]
    client = httpx.AsyncClient(transport=httpx.MockTransport(issuer))
    source = JwksSource(
        "https://project.example/auth/v1/.well-known/jwks.json",
        client=client,
        min_refresh_seconds=30,
        clock=lambda: clock[0],
    )
    verifier = TokenVerifier(jwks=source)
    old_token = jwt.encode(claims(), old_key, algorithm="RS256", headers={"kid": "old"})
    new_token = jwt.encode(claims(), new_key, algorithm="RS256", headers={"kid": "new"})

    assert (await verifier.verify(old_token)).user_id == USER
    published["keys"].append(_public_jwk(new_key, "new"))  # the issuer rotates
    clock[0] = 60.0
    assert (await verifier.verify(new_token)).user_id == USER
    await client.aclose()

    assert len(fetches) == 2


def _public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, object]:
    public: dict[str, object] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return public
