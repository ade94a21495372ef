"""Sessions: list (never the token, is_current), revoke one, revoke all (by the real auth server)."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import UserSession, utcnow
from tests.utils.factories import Actor, make_session

pytestmark = pytest.mark.auth_server


def sessions_url(actor: Actor) -> str:
    return f"/api/v1/users/{actor.user.id}/sessions"


async def test_list_sessions_marks_current_and_hides_token(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    other = await make_session(db, alice.user, user_agent="Firefox", ip_address="10.0.0.2")
    expired = await make_session(db, alice.user)
    await db.execute(
        update(UserSession).where(UserSession.id == expired.id).values(expires_at=utcnow() - timedelta(seconds=5))
    )
    await db.commit()
    response = await client.get(sessions_url(alice), headers=alice.cookie())
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {s["id"]: s for s in body["data"]}
    assert by_id[alice.session.id]["is_current"] is True
    assert by_id[other.id]["is_current"] is False
    assert by_id[other.id]["user_agent"] == "Firefox"
    assert by_id[other.id]["ip_address"] == "10.0.0.2"
    assert alice.token not in response.text
    assert other.token not in response.text
    assert all("token" not in s for s in body["data"])


async def test_revoke_session_returns_204_and_kills_it(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    other = Actor(alice.user, await make_session(db, alice.user))
    response = await client.delete(f"{sessions_url(alice)}/{other.session.id}", headers=alice.bearer())
    assert response.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=other.bearer())).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=alice.bearer())).status_code == 200


async def test_revoke_session_of_another_user_via_own_path_returns_404(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    response = await client.delete(f"{sessions_url(alice)}/{bob.session.id}", headers=alice.bearer())
    assert response.status_code == 404
    assert response.json()["code"] == "SESSION_NOT_FOUND"
    assert (await client.get("/api/v1/auth/me", headers=bob.bearer())).status_code == 200


async def test_revoke_all_sessions_counts_and_signs_out(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor, bob: Actor
) -> None:
    await make_session(db, alice.user)
    response = await client.delete(sessions_url(alice), headers=alice.bearer())
    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert (await client.get("/api/v1/auth/me", headers=alice.bearer())).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=bob.bearer())).status_code == 200


async def test_admin_lists_and_revokes_other_users_sessions(
    client: httpx.AsyncClient, admin: Actor, bob: Actor
) -> None:
    listed = await client.get(sessions_url(bob), headers=admin.bearer())
    assert listed.status_code == 200
    assert [s["is_current"] for s in listed.json()["data"]] == [False]
    response = await client.delete(f"{sessions_url(bob)}/{bob.session.id}", headers=admin.bearer())
    assert response.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=bob.bearer())).status_code == 401
