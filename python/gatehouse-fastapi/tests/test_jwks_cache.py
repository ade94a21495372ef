"""JWKS cache: caching, spaced fetches, rotation (a new kid is never refused for a cooldown), outages, timeouts
(issue 12 item 16)."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from gatehouse_test_support.jwks import JWKS_PATH, JwksServer, SigningKey
from gatehouse_test_support.processes import free_port

from gatehouse_fastapi._jwks_cache import JwksCache


class FakeClock:
    """Monotonic time the test moves by hand; `sleep` advances it instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make_cache(url: str, http: httpx.AsyncClient, clock: FakeClock | None = None, **kwargs: float) -> JwksCache:
    timing = {"clock": clock, "sleep": clock.sleep} if clock else {}
    return JwksCache(
        url=url,
        http=http,
        allowed_algorithms=["EdDSA"],
        timeout_seconds=kwargs.get("timeout", 1.0),
        min_refetch_seconds=kwargs.get("spacing", 1.0),
        max_age_seconds=kwargs.get("max_age", 3600.0),
        **timing,  # type: ignore[arg-type]
    )


async def test_get_key_fetches_once_then_caches(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    cache = make_cache(jwks.base_url + JWKS_PATH, http, FakeClock())
    for _ in range(5):
        assert await cache.get_key("test-key-1") is not None
    assert jwks.fetches == 1
    assert cache.holds("test-key-1")
    assert not cache.holds("other")


async def test_rotated_key_is_accepted_right_after_a_fetch(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    # Issue 12 item 16: a worker that fetched the JWKS a moment ago must not refuse the key rotate-keys just added.
    clock = FakeClock()
    cache = make_cache(jwks.base_url + JWKS_PATH, http, clock)
    assert await cache.get_key("test-key-1") is not None
    jwks.keys.append(SigningKey(kid="rotated"))
    clock.now += 0.1
    assert await cache.get_key("rotated") is not None  # waited for the next allowed fetch, not refused
    assert jwks.fetches == 2
    assert sum(clock.slept) == pytest.approx(0.9)  # the rest of the 1 s spacing, no more


async def test_forged_kids_cost_one_fetch_per_interval(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks.base_url + JWKS_PATH, http, clock)
    assert await cache.get_key("test-key-1") is not None
    clock.now += 0.01
    results = await asyncio.gather(*(cache.get_key(f"forged-{i}") for i in range(50)))
    assert results == [None] * 50
    assert jwks.fetches == 2  # the 50 concurrent misses shared one (spaced) fetch
    clock.now += 10
    started = clock.now
    for i in range(5):  # one after another: each waits for a fetch that began after it arrived ...
        clock.now += 0.01
        assert await cache.get_key(f"again-{i}") is None
    assert jwks.fetches == 7
    assert clock.now - started >= 4.0  # ... spaced by the interval: 5 fetches took at least 4 s


async def test_known_key_never_waits_for_a_forged_kid(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks.base_url + JWKS_PATH, http, clock)
    assert await cache.get_key("test-key-1") is not None
    forged = asyncio.create_task(cache.get_key("forged"))
    await asyncio.sleep(0)
    assert await cache.get_key("test-key-1") is not None  # answered from the cache while the forged kid waits
    assert await forged is None


async def test_failed_fetch_is_retried_after_the_interval_not_a_cooldown(http: httpx.AsyncClient) -> None:
    # Issue 12 item 16: the auth server unreachable at a worker's start must not block valid JWTs once it is back.
    port = free_port()
    cache = make_cache(f"http://127.0.0.1:{port}{JWKS_PATH}", http, spacing=0.3)
    assert await cache.get_key("test-key-1") is None  # connection refused
    server = JwksServer(port=port)
    try:
        started = time.monotonic()
        assert await cache.get_key("test-key-1") is not None
        assert time.monotonic() - started < 1.0  # the 0.3 s spacing plus one fetch
    finally:
        server.stop()


async def test_stale_keys_are_kept_when_the_refresh_fails(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    cache = make_cache(jwks.base_url + JWKS_PATH, http, clock, max_age=60)
    assert await cache.get_key("test-key-1") is not None
    jwks.mode = "error"
    clock.now += 120  # stale: one caller refreshes, the refresh fails, the stale key is kept
    assert await cache.get_key("test-key-1") is not None
    assert jwks.fetches == 2
    jwks.mode = "up"
    jwks.keys = [SigningKey(kid="replacement")]
    clock.now += 1
    assert await cache.get_key("test-key-1") is not None  # stale again: refreshed, and the key is gone now
    assert not cache.holds("test-key-1")
    assert await cache.get_key("test-key-1") is None


async def test_hanging_server_is_bounded_by_the_timeout(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    jwks.mode = "hang"
    cache = make_cache(jwks.base_url + JWKS_PATH, http, timeout=0.3, spacing=0.2)
    started = time.monotonic()
    assert await cache.get_key("test-key-1") is None
    assert time.monotonic() - started < 1.0


def slow_jwks(jwks: JwksServer, delay: float) -> httpx.AsyncClient:
    """A client whose JWKS fetch takes `delay` seconds (and is counted)."""

    async def handler(_request: httpx.Request) -> httpx.Response:
        jwks.fetches += 1
        await asyncio.sleep(delay)
        return httpx.Response(200, json={"keys": [key.public_jwk() for key in jwks.keys]})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))  # stand-in for latency only


async def test_requests_arriving_during_the_first_fetch_share_it(jwks: JwksServer) -> None:
    async with slow_jwks(jwks, 0.2) as http:
        cache = JwksCache(url=jwks.base_url + JWKS_PATH, http=http, allowed_algorithms=["EdDSA"])
        first = asyncio.create_task(cache.get_key("test-key-1"))
        await asyncio.sleep(0.05)
        late = await asyncio.gather(*(cache.get_key("test-key-1") for _ in range(10)))
        assert await first is not None
        assert all(key is not None for key in late)
    assert jwks.fetches == 1


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"nokeys": []}, id="no-keys-member"),
        pytest.param([1, 2], id="not-an-object"),
        pytest.param({"keys": [{"kty": "OKP"}, "x", {"kid": "k", "kty": "nope"}]}, id="unusable-entries"),
    ],
)
async def test_parse_ignores_bad_documents(jwks: JwksServer, http: httpx.AsyncClient, document: object) -> None:
    cache = make_cache(jwks.base_url + JWKS_PATH, http)
    try:
        keys = cache._parse(document)
    except ValueError:
        keys = {}
    assert keys == {}


async def test_parse_skips_private_and_disallowed_keys(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    cache = make_cache(jwks.base_url + JWKS_PATH, http)
    good = jwks.signing_key.public_jwk()
    keys = cache._parse(
        {"keys": [good, {**good, "kid": "private", "d": "secret"}, {**good, "kid": "hs", "alg": "HS256"}]}
    )
    assert set(keys) == {"test-key-1"}


async def test_oversized_document_is_refused(jwks: JwksServer, http: httpx.AsyncClient) -> None:
    # Over 256 KiB of keys: refused whole, not parsed (a hostile or broken endpoint cannot exhaust memory).
    jwks.keys = [SigningKey(kid="k" * 200)] + [SigningKey(kid=f"pad-{i:04}" + "x" * 300) for i in range(900)]
    cache = make_cache(jwks.base_url + JWKS_PATH, http)
    assert await cache.get_key("k" * 200) is None
