"""Users: admin listing and search, profile read/update, roles, bans (RBAC, acceptance 5). Changes are made by the
real auth server (issue 11, one writer), which shares the database with the app under test."""

from datetime import timedelta

import httpx
import pytest
from gatehouse_test_support.jwks import JwksServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import UserSession, utcnow
from tests.utils.factories import Actor, make_session, make_user

USERS = "/api/v1/users"

pytestmark = pytest.mark.auth_server


async def test_list_users_admin_paginates(client: httpx.AsyncClient, db: AsyncSession, admin: Actor) -> None:
    for i in range(4):
        await make_user(db, email=f"user{i}@example.com", created_at=utcnow() + timedelta(seconds=i))
    page = (await client.get(USERS, params={"limit": 2}, headers=admin.bearer())).json()
    assert page["count"] == 5
    assert [u["email"] for u in page["data"]] == ["user3@example.com", "user2@example.com"]
    assert "banned" in page["data"][0]


@pytest.mark.parametrize(("search", "expected"), [("ALICE", 1), ("example.com", 3), ("bo", 1), ("%", 0), ("_", 0)])
async def test_list_users_search_by_email_or_name(
    client: httpx.AsyncClient, admin: Actor, alice: Actor, bob: Actor, search: str, expected: int
) -> None:
    page = (await client.get(USERS, params={"search": search}, headers=admin.bearer())).json()
    assert page["count"] == expected


async def test_read_user_self_and_admin(client: httpx.AsyncClient, alice: Actor, admin: Actor) -> None:
    own = await client.get(f"{USERS}/{alice.user.id}", headers=alice.bearer())
    assert own.status_code == 200
    assert own.json()["email"] == "alice@example.com"
    assert (await client.get(f"{USERS}/{alice.user.id}", headers=admin.bearer())).status_code == 200


async def test_read_user_other_returns_403(client: httpx.AsyncClient, alice: Actor, bob: Actor) -> None:
    response = await client.get(f"{USERS}/{bob.user.id}", headers=alice.bearer())
    assert response.status_code == 403


async def test_read_user_missing_returns_404(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(f"{USERS}/nobody", headers=admin.bearer())
    assert response.status_code == 404
    assert response.json()["code"] == "USER_NOT_FOUND"


async def test_update_user_self_name_and_image(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.patch(
        f"{USERS}/{alice.user.id}",
        json={"name": " Alice Liddell ", "image": "https://img.example/a.png"},
        headers=alice.bearer(),
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Alice Liddell"
    assert response.json()["image"] == "https://img.example/a.png"
    assert response.json()["updated_at"] >= response.json()["created_at"]


async def test_update_user_self_email_verified_returns_403(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.patch(f"{USERS}/{alice.user.id}", json={"email_verified": False}, headers=alice.bearer())
    assert response.status_code == 403


async def test_update_user_admin_sets_email_verified(client: httpx.AsyncClient, admin: Actor, bob: Actor) -> None:
    response = await client.patch(f"{USERS}/{bob.user.id}", json={"email_verified": False}, headers=admin.bearer())
    assert response.status_code == 200
    assert response.json()["email_verified"] is False


async def test_update_user_other_returns_403(client: httpx.AsyncClient, alice: Actor, bob: Actor) -> None:
    assert (await client.patch(f"{USERS}/{bob.user.id}", json={"name": "x"}, headers=alice.bearer())).status_code == 403


async def test_update_user_null_name_returns_400(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.patch(f"{USERS}/{alice.user.id}", json={"name": None}, headers=alice.bearer())
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")


async def test_set_role_takes_effect_on_next_request(
    client: httpx.AsyncClient, jwks: JwksServer, admin: Actor, bob: Actor
) -> None:
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=bob.user.id, sid=bob.session.id, claims={'role': 'user'})}"}
    assert (await client.get(USERS, headers=bob.bearer())).status_code == 403
    response = await client.put(f"{USERS}/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer())
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    for headers in (bob.bearer(), bob.cookie(), jwt):
        assert (await client.get(USERS, headers=headers)).status_code == 200
    await client.put(f"{USERS}/{bob.user.id}/role", json={"role": "user"}, headers=admin.bearer())
    for headers in (bob.bearer(), bob.cookie(), jwt):
        assert (await client.get(USERS, headers=headers)).status_code == 403


@pytest.mark.parametrize("role", ["superuser", "user, admin", "user,admin", " admin", "admin ", "Admin", ""])
async def test_set_role_unknown_role_returns_400(
    client: httpx.AsyncClient, admin: Actor, bob: Actor, role: str
) -> None:
    response = await client.put(f"{USERS}/{bob.user.id}/role", json={"role": role}, headers=admin.bearer())
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_ROLE" if role else "VALIDATION_ERROR")


async def test_set_role_own_returns_400(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.put(f"{USERS}/{admin.user.id}/role", json={"role": "user"}, headers=admin.bearer())
    assert response.status_code == 400
    assert response.json()["code"] == "CANNOT_CHANGE_OWN_ROLE"


async def test_ban_user_revokes_sessions_and_blocks_every_credential(
    client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, admin: Actor, bob: Actor
) -> None:
    await make_session(db, bob.user)
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=bob.user.id, sid=bob.session.id)}"}
    response = await client.post(f"{USERS}/{bob.user.id}/ban", json={"reason": "spam"}, headers=admin.bearer())
    assert response.status_code == 200
    body = response.json()
    assert (body["banned"], body["ban_reason"], body["ban_expires"]) == (True, "spam", None)
    count = await db.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == bob.user.id))
    assert count == 0
    for headers in (bob.bearer(), bob.cookie(), jwt):
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_ban_user_with_expiry_and_new_session_returns_403_then_unban(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor
) -> None:
    response = await client.post(
        f"{USERS}/{bob.user.id}/ban", json={"expires_in_seconds": 3600}, headers=admin.bearer()
    )
    assert response.json()["ban_expires"] is not None
    fresh = Actor(bob.user, await make_session(db, bob.user))  # e.g. created directly in the database
    denied = await client.get("/api/v1/auth/me", headers=fresh.bearer())
    assert denied.status_code == 403
    assert denied.json()["code"] == "BANNED_USER"
    unban = await client.delete(f"{USERS}/{bob.user.id}/ban", headers=admin.bearer())
    assert unban.status_code == 200
    assert (unban.json()["banned"], unban.json()["ban_expires"]) == (False, None)
    assert (await client.get("/api/v1/auth/me", headers=fresh.bearer())).status_code == 200


async def test_ban_self_returns_400(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(f"{USERS}/{admin.user.id}/ban", json={}, headers=admin.bearer())
    assert response.status_code == 400
    assert response.json()["code"] == "CANNOT_BAN_SELF"


async def test_ban_missing_user_returns_404(client: httpx.AsyncClient, admin: Actor) -> None:
    assert (await client.post(f"{USERS}/ghost/ban", json={}, headers=admin.bearer())).status_code == 404


ADMIN_ROUTES = [
    ("GET", "/api/v1/users", None),
    ("PUT", "/api/v1/users/{other}/role", {"role": "admin"}),
    ("POST", "/api/v1/users/{other}/ban", {"reason": "x"}),
    ("DELETE", "/api/v1/users/{other}/ban", None),
    ("PATCH", "/api/v1/users/{other}", {"name": "x"}),
    ("GET", "/api/v1/users/{other}", None),
    ("GET", "/api/v1/users/{other}/tasks", None),
    ("GET", "/api/v1/users/{other}/sessions", None),
    ("DELETE", "/api/v1/users/{other}/sessions", None),
    ("DELETE", "/api/v1/users/{other}/sessions/{other_session}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_route_as_non_admin_returns_403(
    client: httpx.AsyncClient, jwks: JwksServer, alice: Actor, bob: Actor, method: str, path: str, body: object
) -> None:
    url = path.format(other=bob.user.id, other_session=bob.session.id)
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=alice.user.id, sid=alice.session.id, claims={'role': 'admin'})}"}
    for headers in (alice.bearer(), alice.browser(), jwt):
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("stored", "admin_allowed"),
    [
        ("admin", True),
        ("user,admin", True),
        ("admin,user", True),
        ("user, admin", False),
        (" admin", False),
        ("Admin", False),
        ("superuser", False),
        ("", False),
        (None, False),
    ],
)
async def test_stored_role_parsed_as_the_contract_says(
    client: httpx.AsyncClient, db: AsyncSession, jwks: JwksServer, stored: str | None, admin_allowed: bool
) -> None:
    """Split on ",", compared exactly, unknown names grant nothing — as better-auth's hasPermission (issue 11
    failure 5: "user, admin" was an admin here and not on the auth server)."""
    user = await make_user(db, role=stored)
    actor = Actor(user, await make_session(db, user))
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=user.id, sid=actor.session.id, claims={'role': stored})}"}
    for headers in (actor.bearer(), actor.cookie(), jwt):
        response = await client.get(USERS, headers=headers)
        assert response.status_code == (200 if admin_allowed else 403), (stored, response.text)
