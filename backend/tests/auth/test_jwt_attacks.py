"""Acceptance 3: the JWT attack corpus. Every forged, broken or misdirected token → 401, never 500,
and unknown kids cost at most one JWKS fetch per cooldown."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from gatehouse_test_support.jwks import JwksServer, SigningKey, b64url, compact

from tests.utils.factories import Actor

Forge = Callable[[JwksServer, Actor], str]


def _claims(jwks: JwksServer, actor: Actor, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": actor.user.id,
        "sid": actor.session.id,
        "iat": now,
        "exp": now + 900,
        "iss": jwks.base_url,
        "aud": jwks.base_url,
        "email": actor.user.email,
    }
    return {**base, **extra}


def _alg_none(alg: str) -> Forge:
    return lambda jwks, actor: compact({"alg": alg, "typ": "JWT", "kid": jwks.signing_key.kid}, _claims(jwks, actor))


def _public_bytes(key: SigningKey, encoding: serialization.Encoding) -> bytes:
    fmt = (
        serialization.PublicFormat.Raw
        if encoding == serialization.Encoding.Raw
        else serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key.private.public_key().public_bytes(encoding, fmt)


def _hs256_with(secret_of: Callable[[JwksServer], bytes]) -> Forge:
    def forge(jwks: JwksServer, actor: Actor) -> str:
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": jwks.signing_key.kid}).encode())
        payload = b64url(json.dumps(_claims(jwks, actor)).encode())
        mac = hmac.new(secret_of(jwks), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64url(mac)}"

    return forge


def _with_header(**header: Any) -> Forge:
    return lambda jwks, actor: jwks.mint(sub=actor.user.id, sid=actor.session.id, headers=header)


def _hand_signed(**header: Any) -> Forge:
    """A genuine Ed25519 signature by the real key over a header no JWT library would write."""

    def forge(jwks: JwksServer, actor: Actor) -> str:
        full = {"alg": "EdDSA", "kid": jwks.signing_key.kid, **header}
        signing_input = f"{b64url(json.dumps(full).encode())}.{b64url(json.dumps(_claims(jwks, actor)).encode())}"
        return f"{signing_input}.{b64url(jwks.signing_key.private.sign(signing_input.encode()))}"

    return forge


def _with_claims(**claims: Any) -> Forge:
    return lambda jwks, actor: jwks.mint(sub=actor.user.id, sid=actor.session.id, claims=claims)


def _attacker_signed(kid: str | None = None, **header: Any) -> Forge:
    def forge(jwks: JwksServer, actor: Actor) -> str:
        attacker = SigningKey(kid=kid or jwks.signing_key.kid)
        extra = {k: (v(attacker) if callable(v) else v) for k, v in header.items()}
        return jwks.mint(sub=actor.user.id, sid=actor.session.id, key=attacker, headers=extra)

    return forge


def _tampered(jwks: JwksServer, actor: Actor) -> str:
    token = jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={"role": "user"})
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def _truncated(jwks: JwksServer, actor: Actor) -> str:
    return jwks.mint(sub=actor.user.id, sid=actor.session.id)[:-10]


def _huge(jwks: JwksServer, actor: Actor) -> str:
    return jwks.mint(
        sub=actor.user.id, sid=actor.session.id, claims={"pad": "x" * 9_000}
    )  # over JWT_MAX_LENGTH, under the 16 KiB head limit


def _raw(value: str) -> Forge:
    return lambda jwks, actor: value


def _other_users_session(jwks: JwksServer, actor: Actor) -> str:
    return jwks.mint(sub="someone-else", sid=actor.session.id)


def _remove_claim(name: str) -> Forge:
    return lambda jwks, actor: jwks.mint(sub=actor.user.id, sid=actor.session.id, claims={name: None})


CORPUS: dict[str, Forge] = {
    "alg-none": _alg_none("none"),
    "alg-None": _alg_none("None"),
    "alg-NONE": _alg_none("NONE"),
    "alg-nOnE": _alg_none("nOnE"),
    "hs256-with-raw-public-key": _hs256_with(lambda j: _public_bytes(j.signing_key, serialization.Encoding.Raw)),
    "hs256-with-pem-public-key": _hs256_with(lambda j: _public_bytes(j.signing_key, serialization.Encoding.PEM)),
    "hs256-with-jwk-x": _hs256_with(lambda j: j.signing_key.public_jwk()["x"].encode()),
    "alg-rs256-header": _hand_signed(alg="RS256"),
    "alg-ed25519-lowercase": _hand_signed(alg="eddsa"),
    "wrong-kid": _with_header(kid="no-such-key"),
    "kid-path-traversal": _with_header(kid="../../../../../../etc/passwd"),
    "kid-sql": _with_header(kid="' OR '1'='1' --"),
    "kid-not-a-string": _hand_signed(kid=1234),
    "kid-missing": _hand_signed(kid=None),
    "kid-huge": _with_header(kid="k" * 5000),
    "embedded-jwk-attacker-key": _attacker_signed(jwk=lambda k: k.public_jwk()),
    "embedded-jwk-unknown-kid": _attacker_signed(kid="attacker", jwk=lambda k: k.public_jwk()),
    "jku-to-attacker": _attacker_signed(jku="http://127.0.0.1:9/jwks.json"),
    "x5u-to-attacker": _attacker_signed(x5u="http://127.0.0.1:9/cert.pem"),
    "valid-signature-plus-jku": _with_header(jku="http://127.0.0.1:9/jwks.json"),
    "crit-header": _with_header(crit=["exp"]),
    "typ-logout": _with_header(typ="logout+jwt"),
    "typ-access-token": _with_header(typ="at+jwt"),
    "signed-by-other-key-same-kid": _attacker_signed(),
    "expired": _with_claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 4500),
    "nbf-in-future": _with_claims(nbf=int(time.time()) + 3600),
    "wrong-iss": _with_claims(iss="https://evil.example"),
    "wrong-aud": _with_claims(aud="https://other-service.example"),
    "no-exp": _remove_claim("exp"),
    "no-iat": _remove_claim("iat"),
    "no-sid": _remove_claim("sid"),
    "sid-of-another-users-session": _other_users_session,
    "tampered-payload": _tampered,
    "truncated-signature": _truncated,
    "two-segments": lambda j, a: ".".join(j.mint(sub=a.user.id, sid=a.session.id).split(".")[:2]) + ".",
    "oversized-token": _huge,
    "garbage-segments": _raw("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"),
    "not-json-header": _raw(b64url(b"not json") + "." + b64url(b"{}") + ".AAAA"),
    "header-is-a-list": _raw(b64url(b"[1,2]") + "." + b64url(b"{}") + ".AAAA"),
}


@pytest.mark.parametrize("name", list(CORPUS))
async def test_attack_token_returns_401(name: str, client: httpx.AsyncClient, jwks: JwksServer, alice: Actor) -> None:
    token = CORPUS[name](jwks, alice)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="gatehouse", error="invalid_token"')
    assert response.json()["code"] == "UNAUTHORIZED"
    assert jwks.fetches <= 1


@pytest.mark.parametrize("forge", [lambda j, a: j.mint(sub=a.user.id, sid=a.session.id), _hand_signed()])
async def test_valid_token_control_returns_200(
    forge: Forge, client: httpx.AsyncClient, jwks: JwksServer, alice: Actor
) -> None:
    token = forge(jwks, alice)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["id"] == alice.user.id


@pytest.mark.parametrize("typ", ["JWT", "jwt", None])
async def test_typ_absent_or_jwt_is_accepted(
    typ: str | None, client: httpx.AsyncClient, jwks: JwksServer, alice: Actor
) -> None:
    token = jwks.mint(sub=alice.user.id, sid=alice.session.id, headers={"typ": typ} if typ else None)
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_unknown_kids_cost_the_auth_server_one_fetch_per_interval(
    client: httpx.AsyncClient, jwks: JwksServer, alice: Actor
) -> None:
    # Forged kids are refused after the next spaced JWKS fetch (a real new kid would be found by it): concurrent
    # ones share that fetch, sequential ones pay the 1 s interval each, so the auth server sees at most one fetch
    # per second whatever the flood.
    valid = jwks.mint(sub=alice.user.id, sid=alice.session.id)
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {valid}"})).status_code == 200
    forged = [jwks.mint(sub=alice.user.id, sid=alice.session.id, headers={"kid": f"forged-{i}"}) for i in range(100)]
    started = time.monotonic()
    responses = await asyncio.gather(
        *(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}) for token in forged)
    )
    assert {response.status_code for response in responses} == {401}
    for token in forged[:3]:
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    elapsed = time.monotonic() - started
    assert jwks.fetches <= 2 + elapsed  # the warm-up fetch, then one per 1 s interval at most
    assert jwks.fetches >= 3  # and the forged kids were looked up, not refused from a cooldown
