"""JWKS cache at a worker's cold start: requests arriving while the first fetch is in flight wait for it."""

import asyncio

import httpx
from gatehouse_fastapi._jwks_cache import JwksCache

from tests.utils.jwks_server import JWKS_PATH, JwksServer


def slow_jwks(jwks: JwksServer, delay: float) -> httpx.AsyncClient:
    """A client whose JWKS fetch takes `delay` seconds (and is counted)."""

    async def handler(_request: httpx.Request) -> httpx.Response:
        jwks.fetches += 1
        await asyncio.sleep(delay)
        return httpx.Response(200, json={"keys": [key.public_jwk() for key in jwks.keys]})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_get_key_arriving_during_the_first_fetch_waits_for_it(jwks: JwksServer) -> None:
    async with slow_jwks(jwks, 0.2) as http:
        cache = JwksCache(url=jwks.base_url + JWKS_PATH, http=http, allowed_algorithms=["EdDSA"])
        first = asyncio.create_task(cache.get_key("test-key-1"))
        await asyncio.sleep(0.05)  # the fetch has started: its cooldown is running
        late = await asyncio.gather(*(cache.get_key("test-key-1") for _ in range(10)))
        assert await first is not None
        assert all(key is not None for key in late)
    assert jwks.fetches == 1


async def test_unknown_kid_during_the_first_fetch_is_still_unknown_after_it(jwks: JwksServer) -> None:
    async with slow_jwks(jwks, 0.1) as http:
        cache = JwksCache(url=jwks.base_url + JWKS_PATH, http=http, allowed_algorithms=["EdDSA"])
        first = asyncio.create_task(cache.get_key("test-key-1"))
        await asyncio.sleep(0.02)
        assert await cache.get_key("forged-kid") is None
        assert await first is not None
    assert jwks.fetches == 1
