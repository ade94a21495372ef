"""JWKS cache: caching, refetch on unknown kid, cooldown, negative cache, outages, timeouts."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from gatehouse_fastapi._jwks_cache import JwksCache

from tests.utils.jwks_server import JWKS_PATH, JwksServer, SigningKey


class FakeClock:
    """Monotonic time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_cache(jwks: JwksServer, http: httpx.AsyncClient, clock: FakeClock, **kwargs: float) -> JwksCache:
    return JwksCache(
        url=jwks.base_url + JWKS_PATH,
        http=http,
        allowed_algorithms=["EdDSA"],
        timeout_seconds=kwargs.get("timeout", 1.0),
        cooldown_seconds=kwargs.get("cooldown", 30.0),
        max_age_seconds=kwargs.get("max_age", 3600.0),
        clock=clock,
    )


async def test_get_key_fetches_once_then_caches(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    cache = make_cache(jwks, http, FakeClock())
    for _ in range(5):
        assert await cache.get_key("test-key-1") is not None
    assert jwks.fetches == 1


async def test_get_key_unknown_kid_refetches_once_per_cooldown(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks, http, clock)
    assert await cache.get_key("test-key-1") is not None
    for i in range(50):
        assert await cache.get_key(f"forged-{i}") is None
    # The first unknown kid is within the cooldown of the initial fetch: no fetch at all.
    assert jwks.fetches == 1
    clock.now += 31
    for i in range(50):
        assert await cache.get_key(f"forged-again-{i}") is None
    assert jwks.fetches == 2


async def test_get_key_negative_cache_remembers_missing_kid(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks, http, clock)
    assert await cache.get_key("nope") is None  # first load: one fetch
    clock.now += 31
    assert await cache.get_key("other") is None  # cooldown passed: one more fetch
    clock.now += 10
    assert await cache.get_key("other") is None  # remembered as missing
    assert jwks.fetches == 2


async def test_get_key_picks_up_rotated_key_after_cooldown(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks, http, clock)
    assert await cache.get_key("test-key-1") is not None
    jwks.keys.append(SigningKey(kid="rotated"))
    assert await cache.get_key("rotated") is None  # within cooldown
    clock.now += 30
    assert await cache.get_key("rotated") is not None
    assert jwks.fetches == 2


async def test_get_key_concurrent_misses_share_one_fetch(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    cache = make_cache(jwks, http, FakeClock())
    results = await asyncio.gather(*(cache.get_key(f"kid-{i}") for i in range(20)))
    assert all(r is None for r in results)
    assert jwks.fetches == 1


async def test_get_key_keeps_cached_keys_when_server_fails(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks, http, clock, max_age=60)
    assert await cache.get_key("test-key-1") is not None
    jwks.mode = "error"
    clock.now += 120  # stale: a refresh is attempted, fails, and the stale key is kept
    assert await cache.get_key("test-key-1") is not None
    assert jwks.fetches == 2
    assert await cache.get_key("test-key-1") is not None  # no retry inside the cooldown
    assert jwks.fetches == 2


async def test_get_key_hanging_server_bounded_by_timeout(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    jwks.mode = "hang"
    cache = make_cache(jwks, http, FakeClock(), timeout=0.5)
    started = time.monotonic()
    assert await cache.get_key("test-key-1") is None
    assert time.monotonic() - started < 2.0
    started = time.monotonic()
    assert await cache.get_key("test-key-1") is None  # inside the cooldown: no second wait
    assert time.monotonic() - started < 0.1


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"nokeys": []}, id="no-keys-member"),
        pytest.param([1, 2], id="not-an-object"),
        pytest.param({"keys": [{"kty": "OKP"}, "x", {"kid": "k", "kty": "nope"}]}, id="unusable-entries"),
    ],
)
async def test_parse_ignores_bad_documents(jwks: JwksServer, http: httpx.AsyncClient, document: object) -> None:
    cache = make_cache(jwks, http, FakeClock())
    try:
        keys = cache._parse(document)
    except ValueError:
        keys = {}
    assert keys == {}


async def test_parse_skips_private_and_disallowed_keys(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    cache = make_cache(jwks, http, FakeClock())
    good = jwks.signing_key.public_jwk()
    keys = cache._parse(
        {
            "keys": [
                good,
                {**good, "kid": "private", "d": "secret"},
                {**good, "kid": "hmac", "alg": "HS256"},
            ]
        }
    )
    assert set(keys) == {"test-key-1"}
