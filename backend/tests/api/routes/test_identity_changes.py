"""Issue 11, one writer: the backend's identity routes change nothing themselves; the auth server does, records the
acting admin, and the worker that asked sees the change on its very next request (read-your-writes). When the auth
server cannot be reached the answer is 503 AUTH_SERVER_UNAVAILABLE with Retry-After, and nothing changed."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.processes import free_port
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.main import create_app
from app.models import AuthEvent, User
from tests.utils.factories import Actor

USERS = "/api/v1/users"


@pytest.mark.auth_server
async def test_auth_server_records_each_change_with_the_acting_user(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor
) -> None:
    as_admin = admin.bearer()
    assert (await client.put(f"{USERS}/{bob.user.id}/role", json={"role": "admin"}, headers=as_admin)).is_success
    assert (await client.patch(f"{USERS}/{bob.user.id}", json={"name": "Robert"}, headers=as_admin)).is_success
    assert (await client.post(f"{USERS}/{bob.user.id}/ban", json={"reason": "spam"}, headers=as_admin)).is_success
    assert (await client.delete(f"{USERS}/{bob.user.id}/ban", headers=as_admin)).is_success
    rows = (await db.scalars(select(AuthEvent).where(AuthEvent.user_id == bob.user.id))).all()
    types = [row.type for row in rows]
    for expected in ("role_changed", "user_updated", "user_banned", "session_revoked", "user_unbanned"):
        assert expected in types, types
    assert {row.actor_id for row in rows} == {admin.user.id}


@pytest.mark.auth_server
async def test_own_change_is_seen_by_the_next_request_without_waiting_for_the_feed(
    app: FastAPI, client: httpx.AsyncClient, jwks: JwksServer, admin: Actor, bob: Actor, db_kind: str
) -> None:
    """The worker's feed is made to read only when asked: the change must reach its caches before the answer."""
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=bob.user.id, sid=bob.session.id, claims={'role': 'user'})}"}
    for headers in (bob.bearer(), jwt):  # bob is cached as a plain user
        assert (await client.get(USERS, headers=headers)).status_code == 403
    feed = app.state.gatehouse.feed
    feed._interval = 3600.0  # no periodic read: only a wake-up or an explicit catch-up reads
    await feed.catch_up()
    assert (await client.put(f"{USERS}/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer())).is_success
    for headers in (bob.bearer(), bob.cookie(), jwt):
        assert (await client.get(USERS, headers=headers)).status_code == 200
    renamed = await client.patch(f"{USERS}/{bob.user.id}", json={"name": "Bobby"}, headers=bob.bearer())
    assert renamed.json()["name"] == "Bobby"
    assert (await client.get("/api/v1/auth/me", headers=bob.bearer())).json()["name"] == "Bobby"


@pytest.fixture
async def unreachable(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app, with the auth server's internal API on a port nothing listens on."""
    application = create_app(settings.model_copy(update={"auth_url": f"http://127.0.0.1:{free_port()}"}))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        yield http


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/users/{bob}/role", {"role": "admin"}),
        ("POST", "/api/v1/users/{bob}/ban", {"reason": "x"}),
        ("DELETE", "/api/v1/users/{bob}/ban", None),
        ("PATCH", "/api/v1/users/{bob}", {"name": "Robert"}),
        ("DELETE", "/api/v1/users/{bob}/sessions", None),
        ("DELETE", "/api/v1/users/{bob}/sessions/{sid}", None),
    ],
)
async def test_auth_server_unreachable_returns_503_and_changes_nothing(
    unreachable: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor, method: str, path: str, body: object
) -> None:
    url = path.format(bob=bob.user.id, sid=bob.session.id)
    response = await unreachable.request(method, url, json=body, headers=admin.bearer())
    assert (response.status_code, response.json()["code"]) == (503, "AUTH_SERVER_UNAVAILABLE")
    assert int(response.headers["retry-after"]) > 0
    user = await db.scalar(select(User).where(User.id == bob.user.id).execution_options(populate_existing=True))
    assert user is not None
    assert (user.role, user.name, bool(user.banned)) == ("user", "Bob", False)
    assert (await unreachable.get("/api/v1/auth/me", headers=bob.bearer())).status_code == 200
