"""Acceptance 6: in steady state a request with a valid JWT, or an opaque credential already looked up once,
costs zero database queries. Counted on the request engine with `before_cursor_execute`; the feed reads
through its own connection, which is the point: its cost does not grow with traffic."""

import httpx
import pytest
from gatehouse_fastapi._revocation import RevocationFeed
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.waiting import count_queries, eventually
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import User
from tests.utils.factories import Actor

ME = "/api/v1/auth/me"


def credentials(jwks: JwksServer, actor: Actor) -> dict[str, dict[str, str]]:
    return {
        "jwt": {"Authorization": f"Bearer {jwks.mint(sub=actor.user.id, sid=actor.session.id)}"},
        "bearer-raw": actor.bearer(),
        "bearer-signed": actor.signed_bearer(),
        "cookie": actor.cookie(),
    }


@pytest.fixture
async def steady(feed: RevocationFeed) -> RevocationFeed:
    """The feed live and caught up with the fixtures' own writes."""
    await eventually(feed.trusted, within=2.0)
    return feed


@pytest.mark.parametrize("kind", ["jwt", "bearer-raw", "bearer-signed", "cookie"])
async def test_steady_state_request_performs_zero_queries(
    client: httpx.AsyncClient,
    app_db_engine: AsyncEngine,
    jwks: JwksServer,
    steady: RevocationFeed,
    alice: Actor,
    kind: str,
) -> None:
    headers = credentials(jwks, alice)[kind]
    with count_queries(app_db_engine) as queries:
        assert (await client.get(ME, headers=headers)).status_code == 200
    assert len(queries) == 1, queries.statements  # first sight of the session: one indexed lookup (with its user)
    with count_queries(app_db_engine) as queries:
        for _ in range(50):
            response = await client.get(ME, headers=headers)
            assert response.status_code == 200
            assert response.json()["id"] == alice.user.id
    assert len(queries) == 0, queries.statements


async def test_every_credential_of_one_session_shares_the_cached_session(
    client: httpx.AsyncClient, app_db_engine: AsyncEngine, jwks: JwksServer, steady: RevocationFeed, alice: Actor
) -> None:
    by_kind = credentials(jwks, alice)
    assert (await client.get(ME, headers=by_kind["bearer-raw"])).status_code == 200
    with count_queries(app_db_engine) as queries:
        assert (await client.get(ME, headers=by_kind["jwt"])).status_code == 200
    assert len(queries) == 0  # the JWT's sid is the session the token lookup already cached


async def test_user_change_elsewhere_costs_one_query_then_zero_again(
    client: httpx.AsyncClient,
    app_db_engine: AsyncEngine,
    elsewhere: AsyncEngine,
    jwks: JwksServer,
    steady: RevocationFeed,
    alice: Actor,
) -> None:
    headers = credentials(jwks, alice)["jwt"]
    assert (await client.get(ME, headers=headers)).status_code == 200
    async with elsewhere.begin() as conn:
        await conn.execute(update(User).where(User.id == alice.user.id).values(role="admin"))
    await eventually(lambda: steady.cache.user(alice.user.id) is None)
    with count_queries(app_db_engine) as queries:
        assert (await client.get(ME, headers=headers)).json()["role"] == "admin"
        first = len(queries)
        for _ in range(10):
            assert (await client.get(ME, headers=headers)).json()["role"] == "admin"
    assert (first, len(queries)) == (1, 1)


async def test_degraded_feed_costs_a_query_per_request(
    client: httpx.AsyncClient,
    app_db_engine: AsyncEngine,
    jwks: JwksServer,
    steady: RevocationFeed,
    alice: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = credentials(jwks, alice)["jwt"]
    assert (await client.get(ME, headers=headers)).status_code == 200
    monkeypatch.setattr(steady, "trusted", lambda: False)
    with count_queries(app_db_engine) as queries:
        for _ in range(5):
            assert (await client.get(ME, headers=headers)).status_code == 200
    assert len(queries) == 5
