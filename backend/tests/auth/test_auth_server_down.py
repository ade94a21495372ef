"""Acceptance 4: with the auth server down, cached keys and the database keep the backend working, and nothing
waits longer than the JWKS fetch spacing (JWKS_MIN_REFETCH_SECONDS, 1 s) plus the configured JWKS timeout."""

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from gatehouse_test_support.jwks import JWKS_PATH, JwksServer, SigningKey
from gatehouse_test_support.processes import free_port
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.main import create_app
from tests.utils.factories import Actor, make_actor

ME = "/api/v1/auth/me"
TIMEOUT = 0.5
SPACING = 1.0  # Settings.jwks_min_refetch_seconds' default


@pytest.fixture
def auth_server() -> Iterator[JwksServer]:
    """A JWKS server of this test's own, so it can really be shut down."""
    server = JwksServer()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def backend(settings: Settings, auth_server: JwksServer) -> AsyncIterator[httpx.AsyncClient]:
    base = auth_server.base_url
    own = {"auth_url": base, "jwks_url": base + JWKS_PATH, "jwt_issuer": base, "jwt_audience": base}
    app = create_app(settings.model_copy(update={**own, "jwks_timeout_seconds": TIMEOUT}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


@pytest_asyncio.fixture
async def carol(backend: httpx.AsyncClient, db: AsyncSession) -> Actor:
    return await make_actor(db, name="Carol")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_jwt_works_from_cache_after_auth_server_stops(
    backend: httpx.AsyncClient, auth_server: JwksServer, carol: Actor
) -> None:
    token = auth_server.mint(sub=carol.user.id, sid=carol.session.id)
    assert (await backend.get(ME, headers=bearer(token))).status_code == 200
    auth_server.stop()
    started = time.monotonic()
    assert (await backend.get(ME, headers=bearer(token))).status_code == 200
    fresh = auth_server.mint(sub=carol.user.id, sid=carol.session.id, claims={"name": "again"})
    assert (await backend.get(ME, headers=bearer(fresh))).status_code == 200
    assert time.monotonic() - started < TIMEOUT


@pytest.mark.parametrize("kind", ["cookie", "bearer"])
async def test_opaque_credentials_work_with_auth_server_down(
    backend: httpx.AsyncClient, auth_server: JwksServer, carol: Actor, kind: str
) -> None:
    auth_server.stop()
    headers = carol.cookie() if kind == "cookie" else carol.bearer()
    assert (await backend.get(ME, headers=headers)).status_code == 200


async def test_jwt_with_cold_cache_and_hanging_server_fails_within_timeout(
    backend: httpx.AsyncClient, auth_server: JwksServer, carol: Actor
) -> None:
    auth_server.mode = "hang"
    token = auth_server.mint(sub=carol.user.id, sid=carol.session.id)
    started = time.monotonic()
    assert (await backend.get(ME, headers=bearer(token))).status_code == 401
    assert time.monotonic() - started < TIMEOUT + 1.0
    started = time.monotonic()
    assert (await backend.get(ME, headers=bearer(token))).status_code == 401  # one more (spaced) fetch, bounded
    assert time.monotonic() - started < SPACING + TIMEOUT + 1.0
    assert auth_server.fetches == 2


async def test_unknown_kid_with_auth_server_down_fails_fast(
    backend: httpx.AsyncClient, auth_server: JwksServer, carol: Actor
) -> None:
    token = auth_server.mint(sub=carol.user.id, sid=carol.session.id)
    assert (await backend.get(ME, headers=bearer(token))).status_code == 200
    auth_server.stop()
    rotated = auth_server.mint(sub=carol.user.id, sid=carol.session.id, key=SigningKey(kid="rotated"))
    started = time.monotonic()
    assert (await backend.get(ME, headers=bearer(rotated))).status_code == 401
    assert time.monotonic() - started < SPACING + TIMEOUT


async def test_jwt_with_auth_server_never_reachable_returns_401(settings: Settings, db: AsyncSession) -> None:
    signer = JwksServer()
    signer.stop()  # keys exist, but nobody serves them
    actor = await make_actor(db)
    app = create_app(settings.model_copy(update={"auth_url": f"http://127.0.0.1:{free_port()}"}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        token = signer.mint(sub=actor.user.id, sid=actor.session.id)
        assert (await http.get(ME, headers=bearer(token))).status_code == 401
        assert (await http.get(ME, headers=actor.bearer())).status_code == 200


async def test_jwt_is_accepted_soon_after_an_auth_server_down_at_start_comes_back(
    settings: Settings, db: AsyncSession
) -> None:
    # Issue 12 item 16: a failed JWKS fetch must not block a working auth server for a cooldown.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    own = {"auth_url": base, "jwks_url": base + JWKS_PATH, "jwt_issuer": base, "jwt_audience": base}
    down = {**own, "jwks_timeout_seconds": TIMEOUT}
    app = create_app(settings.model_copy(update=down))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as backend,
    ):
        dave = await make_actor(db, name="Dave")
        server = JwksServer(port=port)
        try:
            token = server.mint(sub=dave.user.id, sid=dave.session.id)
            server.stop()
            assert (await backend.get(ME, headers=bearer(token))).status_code == 401  # nothing listens
            back = JwksServer(port=port)
            back.keys = server.keys
            try:
                started = time.monotonic()
                assert (await backend.get(ME, headers=bearer(token))).status_code == 200
                assert time.monotonic() - started < 2.0  # JWKS_MIN_REFETCH_SECONDS (1 s) and one fetch
            finally:
                back.stop()
        finally:
            server.stop()
