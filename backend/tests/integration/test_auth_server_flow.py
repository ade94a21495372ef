"""Acceptance 1 against the real auth server: sign up → verify → sign in → the backend accepts all three
credentials; tasks CRUD; isolation between users; sign-out revokes every credential; both services read
and write each other's rows in the agreed formats."""

import re
import time

import httpx
import jwt
from sqlalchemy import text

from app.core.config import DatabaseSettings
from app.core.db import create_engine
from tests.integration.conftest import ADMIN_EMAIL, AuthServer, SignedIn, sign_in, sign_up_and_verify

ME = "/api/v1/auth/me"


async def signed_up(auth: httpx.AsyncClient, email: str) -> SignedIn:
    await sign_up_and_verify(auth, email)
    return await sign_in(auth, email)


async def test_each_credential_returns_200(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    user = await signed_up(auth, unique_email)
    for headers in (user.bearer(), user.cookie(), user.jwt_header()):
        response = await backend.get(ME, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == user.user_id
        assert response.json()["email_verified"] is True
    session = (await backend.get("/api/v1/auth/session", headers=user.jwt_header())).json()
    assert session["user"]["email"] == unique_email
    assert user.bearer_token.split(".")[0] not in str(session)
    accounts = await backend.get("/api/v1/auth/accounts", headers=user.cookie())
    assert [a["provider_id"] for a in accounts.json()] == ["credential"]
    assert "argon2" not in accounts.text


async def test_tasks_crud_with_real_credentials(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    user = await signed_up(auth, unique_email)
    created = await backend.post("/api/v1/tasks", json={"title": "write tests"}, headers=user.jwt_header())
    assert created.status_code == 201
    task_url = f"/api/v1/tasks/{created.json()['id']}"
    assert (await backend.get(task_url, headers=user.cookie())).json()["title"] == "write tests"
    replaced = await backend.put(task_url, json={"title": "ship it", "completed": True}, headers=user.bearer())
    assert replaced.json()["completed"] is True
    patched = await backend.patch(task_url, json={"description": "today"}, headers=user.jwt_header())
    assert (patched.json()["title"], patched.json()["description"]) == ("ship it", "today")
    listing = (await backend.get("/api/v1/tasks", params={"completed": "true"}, headers=user.jwt_header())).json()
    assert listing["count"] == 1
    assert (await backend.delete(task_url, headers=user.bearer())).status_code == 204
    assert (await backend.get(task_url, headers=user.bearer())).status_code == 404


async def test_user_a_on_user_b_task_returns_404_and_listing_403(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    a = await signed_up(auth, "a-" + unique_email)
    b = await signed_up(auth, "b-" + unique_email)
    task = (await backend.post("/api/v1/tasks", json={"title": "b's"}, headers=b.jwt_header())).json()
    for headers in (a.bearer(), a.cookie(), a.jwt_header()):
        assert (await backend.get(f"/api/v1/tasks/{task['id']}", headers=headers)).status_code == 404
        assert (await backend.delete(f"/api/v1/tasks/{task['id']}", headers=headers)).status_code == 404
        assert (await backend.get(f"/api/v1/users/{b.user_id}/tasks", headers=headers)).status_code == 403
    assert (await backend.get(f"/api/v1/users/{b.user_id}/tasks", headers=b.jwt_header())).json()["count"] == 1


async def test_sign_out_revokes_token_cookie_and_jwt_within_one_second(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    user = await signed_up(auth, unique_email)
    for headers in (user.bearer(), user.cookie(), user.jwt_header()):
        assert (await backend.get(ME, headers=headers)).status_code == 200
    signed_out = await auth.post("/api/auth/sign-out", json={}, headers=user.cookie())
    assert signed_out.status_code == 200, signed_out.text
    signed_out_at = time.monotonic()
    jwt_refused_after = None
    while time.monotonic() - signed_out_at < 1.0:
        if (await backend.get(ME, headers=user.jwt_header())).status_code == 401:
            jwt_refused_after = time.monotonic() - signed_out_at
            break
    assert jwt_refused_after is not None
    assert jwt_refused_after < 1.0
    assert (await backend.get(ME, headers=user.bearer())).status_code == 401
    assert (await backend.get(ME, headers=user.cookie())).status_code == 401


async def test_admin_from_auth_server_manages_users_in_backend(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    await sign_up_and_verify(auth, ADMIN_EMAIL, name="Root")
    admin = await sign_in(auth, ADMIN_EMAIL)
    user = await signed_up(auth, unique_email)
    assert (await backend.get("/api/v1/users", headers=user.jwt_header())).status_code == 403
    listing = await backend.get("/api/v1/users", params={"search": unique_email}, headers=admin.jwt_header())
    assert listing.status_code == 200
    assert listing.json()["data"][0]["id"] == user.user_id

    # A ban written by the backend (timestamps in better-auth's format) is enforced by the auth server too.
    banned = await backend.post(
        f"/api/v1/users/{user.user_id}/ban",
        json={"reason": "abuse", "expires_in_seconds": 3600},
        headers=admin.jwt_header(),
    )
    assert banned.status_code == 200
    for headers in (user.bearer(), user.cookie(), user.jwt_header()):
        assert (await backend.get(ME, headers=headers)).status_code == 401
    refused = await auth.post("/api/auth/sign-in/email", json={"email": unique_email, "password": "x" * 12})
    assert refused.status_code >= 400
    blocked = await auth.post(
        "/api/auth/sign-in/email", json={"email": unique_email, "password": "correct horse battery staple 42"}
    )
    assert blocked.status_code == 403, blocked.text

    assert (await backend.delete(f"/api/v1/users/{user.user_id}/ban", headers=admin.jwt_header())).status_code == 200
    again = await sign_in(auth, unique_email)
    assert (await backend.get(ME, headers=again.jwt_header())).status_code == 200


async def test_backend_writes_are_read_by_auth_server(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    user = await signed_up(auth, unique_email)
    other = await sign_in(auth, unique_email)
    renamed = await backend.patch(f"/api/v1/users/{user.user_id}", json={"name": "Renamed"}, headers=user.bearer())
    assert renamed.status_code == 200
    session = (await auth.get("/api/auth/get-session", headers=user.bearer())).json()
    assert session["user"]["name"] == "Renamed"
    # Revoking a session in the backend signs it out of the auth server as well.
    sessions = (await backend.get(f"/api/v1/users/{user.user_id}/sessions", headers=user.bearer())).json()
    other_id = jwt.decode(other.jwt, options={"verify_signature": False})["sid"]
    assert {s["id"]: s["is_current"] for s in sessions["data"]}[other_id] is False
    revoked = await backend.delete(f"/api/v1/users/{user.user_id}/sessions/{other_id}", headers=user.bearer())
    assert revoked.status_code == 204
    assert (await auth.get("/api/auth/get-session", headers=other.bearer())).json() is None
    assert (await backend.get(ME, headers=other.jwt_header())).status_code == 401


async def test_auth_server_rows_use_agreed_formats(
    auth: httpx.AsyncClient, auth_server: AuthServer, unique_email: str
) -> None:
    user = await signed_up(auth, unique_email)
    engine = create_engine(DatabaseSettings(_env_file=None, database_url=auth_server.database_url))
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "select users.created_at, email_verified, expires_at from users join user_sessions "
                        "on user_sessions.user_id = users.id where users.id = :id limit 1"
                    ),
                    {"id": user.user_id},
                )
            ).one()
    finally:
        await engine.dispose()
    if engine.dialect.name == "sqlite":
        iso_ms = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
        assert iso_ms.match(row[0]), row
        assert iso_ms.match(row[2]), row
        assert row[1] == 1
    else:
        assert row[0].tzinfo is not None
        assert row[1] is True
