"""Issue 7 across the real auth server: its audit events reach admins through GET /api/v1/admin/events, one
request id appears in both services' logs, and a full account lifecycle leaves no secret in either log."""

import asyncio
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.integration.conftest import ADMIN_EMAIL, PASSWORD, AuthServer, SignedIn, sign_in, sign_up_and_verify
from tests.utils.factories import TEST_SECRET
from tests.utils.logs import capture_json_logs

EVENTS = "/api/v1/admin/events"
NEW_PASSWORD = "a different passphrase 84"


async def admin_signed_in(auth: httpx.AsyncClient) -> SignedIn:
    """The ADMIN_EMAILS account (signed up by whichever test needs it first)."""
    probe = await auth.post("/api/auth/sign-in/email", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    if probe.status_code != 200:
        await sign_up_and_verify(auth, ADMIN_EMAIL, name="Root")
    return await sign_in(auth, ADMIN_EMAIL)


def cookies_from(response: httpx.Response) -> str:
    """A Cookie header from the response's Set-Cookie lines, without the ones it clears."""
    pairs = dict(c.split(";", 1)[0].split("=", 1) for c in response.headers.get_list("set-cookie"))
    return "; ".join(f"{name}={value}" for name, value in pairs.items() if value)


async def reset_password(auth: httpx.AsyncClient, email: str, new_password: str) -> str:
    """Request a reset, follow the mailed link's token, set `new_password`; returns the token."""
    requested = await auth.post("/api/auth/request-password-reset", json={"email": email})
    assert requested.status_code == 200, requested.text
    token: str | None = None
    for _ in range(50):
        mails = (await auth.get("/api/dev/outbox", params={"to": email})).json()
        links = [m for mail in mails for m in re.findall(r"https?://\S+/reset-password\?token=\S+", mail["text"])]
        if links:
            token = parse_qs(urlsplit(links[0]).query)["token"][0]
            break
        await asyncio.sleep(0.1)
    assert token, f"no reset mail for {email}"
    reset = await auth.post("/api/auth/reset-password", json={"token": token, "newPassword": new_password})
    assert reset.status_code == 200, reset.text
    return token


async def events_until(
    backend: httpx.AsyncClient, admin: SignedIn, params: dict[str, str], wanted: set[str]
) -> list[dict[str, Any]]:
    """The admin's view of the log, polled until `wanted` types appear (the auth server writes after answering)."""
    rows: list[dict[str, Any]] = []
    for _ in range(50):
        response = await backend.get(EVENTS, params={**params, "limit": "100"}, headers=admin.jwt_header())
        assert response.status_code == 200, response.text
        rows = response.json()["data"]
        if wanted <= {row["type"] for row in rows}:
            break
        await asyncio.sleep(0.1)
    return rows


async def test_auth_server_events_reach_admins_through_the_backend(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, unique_email: str
) -> None:
    admin = await admin_signed_in(auth)
    as_admin = {"Authorization": f"Bearer {admin.bearer_token}"}
    await sign_up_and_verify(auth, unique_email)
    first = await sign_in(auth, unique_email)
    refused = await backend.get(EVENTS, headers=first.jwt_header())
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    assert (await backend.get(EVENTS)).status_code == 401

    agent = f"audit-probe/{uuid.uuid4().hex}"
    failed = await auth.post(
        "/api/auth/sign-in/email",
        json={"email": unique_email, "password": "not the password"},
        headers={"User-Agent": agent},
    )
    assert failed.status_code == 401
    second = await sign_in(auth, unique_email)
    # revoke-session takes the session token itself (as list-sessions gives it), not the signed set-auth-token value.
    raw_token = second.bearer_token.split(".")[0]
    revoked = await auth.post("/api/auth/revoke-session", json={"token": raw_token}, headers=first.bearer())
    assert revoked.status_code == 200, revoked.text
    assert (await auth.post("/api/auth/sign-out", json={}, headers=first.cookie())).status_code == 200

    target = {"userId": first.user_id}
    assert (await auth.post("/api/auth/admin/set-role", json={**target, "role": "user"}, headers=as_admin)).is_success
    impersonated = await auth.post("/api/auth/admin/impersonate-user", json=target, headers=as_admin)
    assert impersonated.status_code == 200, impersonated.text
    stopped = await auth.post(
        "/api/auth/admin/stop-impersonating", json={}, headers={"Cookie": cookies_from(impersonated)}
    )
    assert stopped.status_code == 200, stopped.text
    assert (await auth.post("/api/auth/admin/ban-user", json=target, headers=as_admin)).is_success
    assert (await auth.post("/api/auth/admin/unban-user", json=target, headers=as_admin)).is_success
    await reset_password(auth, unique_email, NEW_PASSWORD)
    # And one change made through the backend, into the same log.
    changed = await backend.put(
        f"/api/v1/users/{first.user_id}/role", json={"role": "user"}, headers=admin.jwt_header()
    )
    assert changed.status_code == 200

    wanted = {
        "sign_up",
        "email_verified",
        "sign_in",
        "sign_out",
        "session_revoked",
        "role_changed",
        "impersonation_started",
        "impersonation_stopped",
        "user_banned",
        "user_unbanned",
        "password_reset_requested",
        "password_reset_completed",
    }
    rows = await events_until(backend, admin, {"user_id": first.user_id}, wanted)
    assert wanted <= {row["type"] for row in rows}
    assert {row["user_id"] for row in rows} == {first.user_id}
    assert [row["created_at"] for row in rows] == sorted((row["created_at"] for row in rows), reverse=True)
    role_changes = [row for row in rows if row["type"] == "role_changed"]
    # Both written by the auth server (one writer): its own admin API's and the backend's change, same wording.
    assert len(role_changes) == 2
    assert {row["reason"] for row in role_changes} == {"role=user"}
    assert {row["actor_id"] for row in role_changes} == {admin.user_id}
    assert {row["actor_id"] for row in rows if row["type"] == "user_banned"} == {admin.user_id}

    failures = await events_until(backend, admin, {"type": "sign_in_failed"}, {"sign_in_failed"})
    mine = [row for row in failures if row["user_agent"] == agent]
    assert len(mine) == 1
    assert (mine[0]["success"], mine[0]["reason"]) == (False, "INVALID_EMAIL_OR_PASSWORD")


def auth_server_lines(auth_server: AuthServer, start: int = 0) -> list[dict[str, Any]]:
    """The auth server's pino JSON lines written after byte `start` of its stdout."""
    lines = []
    for raw in auth_server.log.read_bytes()[start:].decode(errors="replace").splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


async def test_client_request_id_appears_in_both_services_logs(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, auth_server: AuthServer, unique_email: str
) -> None:
    await sign_up_and_verify(auth, unique_email)
    user = await sign_in(auth, unique_email)
    request_id = f"xsvc-{uuid.uuid4().hex}"
    with capture_json_logs() as logs:
        # This test's backend is new, so its JWKS cache is cold: verifying the JWT fetches the keys.
        response = await backend.get("/api/v1/auth/me", headers={**user.jwt_header(), "X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id

    backend_lines = [line for line in logs.lines() if line["request_id"] == request_id]
    assert {"jwks refreshed", "request"} <= {line["message"] for line in backend_lines}
    auth_lines: list[dict[str, Any]] = []
    for _ in range(20):  # pino may flush a moment later
        auth_lines = [line for line in auth_server_lines(auth_server) if line.get("request_id") == request_id]
        if auth_lines:
            break
        await asyncio.sleep(0.1)
    assert [(line["method"], line["path"], line["status"]) for line in auth_lines] == [("GET", "/api/auth/jwks", 200)]


async def test_logs_of_a_full_account_lifecycle_hold_no_secret(
    auth: httpx.AsyncClient, backend: httpx.AsyncClient, auth_server: AuthServer, unique_email: str
) -> None:
    start = auth_server.log.stat().st_size
    with capture_json_logs() as logs:
        await sign_up_and_verify(auth, unique_email)
        user = await sign_in(auth, unique_email)
        for headers in (user.bearer(), user.cookie(), user.jwt_header()):
            assert (await backend.get("/api/v1/auth/me", headers=headers)).status_code == 200
            assert (await backend.get("/api/v1/tasks", headers=headers)).status_code == 200
        assert (
            await backend.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged.jwt.value"})
        ).status_code == 401
        await auth.post("/api/auth/sign-in/email", json={"email": unique_email, "password": "wrong " + PASSWORD})
        reset_token = await reset_password(auth, unique_email, NEW_PASSWORD)
        again = await auth.post("/api/auth/sign-in/email", json={"email": unique_email, "password": NEW_PASSWORD})
        assert again.status_code == 200
        assert (await auth.post("/api/auth/sign-out", json={}, headers={"Cookie": cookies_from(again)})).is_success
    await asyncio.sleep(0.3)  # the auth server's last lines

    backend_log = logs.text
    auth_log = auth_server.log.read_bytes()[start:].decode(errors="replace")
    assert backend_log.count('"message": "request"') >= 7  # the capture saw the calls
    assert auth_log.count('"msg":"request"') >= 8
    mails = (await auth.get("/api/dev/outbox", params={"to": unique_email})).json()
    mailed_tokens = [t for mail in mails for t in re.findall(r"[?&]token=([^\s&\"']+)", mail["text"])]
    assert len(mailed_tokens) >= 2  # verification and reset
    secrets = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "session token": user.bearer_token,
        "session cookie": user.cookie_value,
        "jwt": user.jwt,
        "jwt signature": user.jwt.rsplit(".", 1)[1],
        "reset token": reset_token,
        "new session token": again.headers["set-auth-token"],
        "auth secret": TEST_SECRET,
        **{f"mailed token {i}": token for i, token in enumerate(mailed_tokens)},
    }
    for service, text in (("backend", backend_log), ("auth server", auth_log)):
        for name, value in secrets.items():
            assert value not in text, f"{name} in the {service} log"
