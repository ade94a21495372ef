"""The verified-token cache: keyed by a hash of the token, bounded, never past `exp`, dropped with its key, and
never a substitute for the session check (a revoked session's cached JWT is still refused: test_dependencies)."""

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from gatehouse_test_support.jwks import JWKS_PATH, JwksServer, SigningKey

from gatehouse_fastapi._jwks_cache import JwksCache
from gatehouse_fastapi._jwt_verify import JwtClaims, JwtVerifier
from gatehouse_fastapi._token_cache import VerifiedTokenCache


def claims(expires_at: float, sub: str = "u1") -> JwtClaims:
    return JwtClaims(sub, "s1", None, True, None, None, 0, int(expires_at), {})


def test_entries_never_outlive_exp() -> None:
    now = [1000.0]
    cache = VerifiedTokenCache(clock=lambda: now[0])
    key = cache.key("a.b.c")
    cache.put(key, claims(1010), "k")
    assert cache.get(key, key_held=lambda kid: True) is not None
    now[0] = 1010.0
    assert cache.get(key, key_held=lambda kid: True) is None
    assert len(cache) == 0
    cache.put(key, claims(1005), "k")  # already expired: not even stored
    assert len(cache) == 0


def test_entry_is_dropped_when_its_key_leaves_the_jwks() -> None:
    cache = VerifiedTokenCache(clock=lambda: 0.0)
    key = cache.key("a.b.c")
    cache.put(key, claims(10), "old-kid")
    assert cache.get(key, key_held=lambda kid: kid != "old-kid") is None
    assert len(cache) == 0


def test_cache_is_bounded_oldest_first_and_keyed_by_digest() -> None:
    cache = VerifiedTokenCache(max_entries=3, clock=lambda: 0.0)
    keys = [cache.key(f"token-{i}") for i in range(5)]
    for key in keys:
        cache.put(key, claims(10), "k")
    assert len(cache) == 3
    assert [cache.get(key, key_held=lambda kid: True) is not None for key in keys] == [False, False, True, True, True]
    assert all(len(key) == 32 for key in keys)  # SHA-256 digests: no token is kept


@pytest_asyncio.fixture
async def verifier(jwks: JwksServer) -> AsyncIterator[tuple[JwtVerifier, JwksCache]]:
    async with httpx.AsyncClient() as http:
        keys = JwksCache(url=jwks.base_url + JWKS_PATH, http=http, allowed_algorithms=["EdDSA"], max_age_seconds=1)
        yield (
            JwtVerifier(
                jwks=keys,
                issuer=jwks.base_url,
                audience=jwks.base_url,
                algorithms=["EdDSA"],
                cache=VerifiedTokenCache(),
            ),
            keys,
        )


async def test_a_repeated_token_skips_the_signature_check(
    verifier: tuple[JwtVerifier, JwksCache], jwks: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        checks.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    token = jwks.mint(sub="u1", sid="s1")
    for _ in range(20):
        verified = await verifier[0].verify(token)
        assert verified is not None
        assert (verified.sub, verified.sid) == ("u1", "s1")
    assert checks == [token]
    other = jwks.mint(sub="u2", sid="s2")  # a different token is verified on its own
    assert await verifier[0].verify(other) is not None
    assert checks == [token, other]
    # A tampered copy never hits the cache. One whole character inside the signature is changed: the last two
    # (the old tamper) carry only 8 of their 12 bits, so "AA" left the signature as it was about once in 256 runs.
    at = token.rindex(".") + 10
    tampered = token[:at] + ("B" if token[at] != "B" else "C") + token[at + 1 :]
    assert await verifier[0].verify(tampered) is None


async def test_a_cached_token_dies_with_its_key(verifier: tuple[JwtVerifier, JwksCache], jwks: JwksServer) -> None:
    token = jwks.mint(sub="u1", sid="s1")
    assert await verifier[0].verify(token) is not None
    jwks.keys = [SigningKey(kid="successor")]  # the key is withdrawn (e.g. it leaked)
    deadline = time.monotonic() + 5
    while verifier[1].holds("test-key-1") and time.monotonic() < deadline:
        await verifier[1].get_key("successor")  # the next JWKS fetch (max age 1 s) learns the new key set
    assert await verifier[0].verify(token) is None
