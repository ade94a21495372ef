"""Acceptance 6: bad input on every route → 4xx `{code, message}`, never a 500."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.utils.factories import Actor, make_task

HUGE = "x" * 10_000
TASK = "/api/v1/tasks/{task}"
USER = "/api/v1/users/{user}"

CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (id, method, path, request kwargs)
    ("tasks-list-negative-offset", "GET", "/api/v1/tasks", {"params": {"offset": -1}}),
    ("tasks-list-zero-limit", "GET", "/api/v1/tasks", {"params": {"limit": 0}}),
    ("tasks-list-huge-limit", "GET", "/api/v1/tasks", {"params": {"limit": 100_000}}),
    ("tasks-list-limit-not-int", "GET", "/api/v1/tasks", {"params": {"limit": "ten"}}),
    ("tasks-list-completed-not-bool", "GET", "/api/v1/tasks", {"params": {"completed": "maybe"}}),
    ("tasks-create-title-int", "POST", "/api/v1/tasks", {"json": {"title": 42}}),
    ("tasks-create-title-empty", "POST", "/api/v1/tasks", {"json": {"title": "   "}}),
    ("tasks-create-title-huge", "POST", "/api/v1/tasks", {"json": {"title": HUGE}}),
    ("tasks-create-description-huge", "POST", "/api/v1/tasks", {"json": {"title": "t", "description": HUGE}}),
    ("tasks-create-body-over-limit", "POST", "/api/v1/tasks", {"json": {"title": "t", "description": "y" * 70_000}}),
    ("tasks-create-unknown-field", "POST", "/api/v1/tasks", {"json": {"title": "t", "user_id": "someone"}}),
    ("tasks-create-completed-string", "POST", "/api/v1/tasks", {"json": {"title": "t", "completed": "yes"}}),
    ("tasks-create-completed-int", "POST", "/api/v1/tasks", {"json": {"title": "t", "completed": 1}}),
    ("tasks-create-missing-title", "POST", "/api/v1/tasks", {"json": {}}),
    ("tasks-create-body-list", "POST", "/api/v1/tasks", {"json": [{"title": "t"}]}),
    (
        "tasks-create-body-not-json",
        "POST",
        "/api/v1/tasks",
        {"content": b"{title: nope", "headers": {"content-type": "application/json"}},
    ),
    ("tasks-create-no-body", "POST", "/api/v1/tasks", {}),
    ("tasks-read-not-uuid", "GET", "/api/v1/tasks/not-a-uuid", {}),
    ("tasks-read-huge-id", "GET", "/api/v1/tasks/" + HUGE, {}),
    ("tasks-replace-missing-title", "PUT", TASK, {"json": {"completed": True}}),
    ("tasks-replace-unknown-field", "PUT", TASK, {"json": {"title": "t", "owner": "me"}}),
    ("tasks-update-unknown-field", "PATCH", TASK, {"json": {"id": "new-id"}}),
    ("tasks-update-title-huge", "PATCH", TASK, {"json": {"title": HUGE}}),
    ("tasks-delete-not-uuid", "DELETE", "/api/v1/tasks/123", {}),
    ("user-tasks-negative-page", "GET", USER + "/tasks", {"params": {"offset": -10}}),
    ("user-tasks-huge-user-id", "GET", "/api/v1/users/" + "u" * 500 + "/tasks", {}),
    ("users-list-negative-offset", "GET", "/api/v1/users", {"params": {"offset": -1}}),
    ("users-list-empty-search", "GET", "/api/v1/users", {"params": {"search": ""}}),
    ("users-list-huge-search", "GET", "/api/v1/users", {"params": {"search": HUGE}}),
    ("users-read-huge-id", "GET", "/api/v1/users/" + "u" * 500, {}),
    ("users-update-name-huge", "PATCH", USER, {"json": {"name": HUGE}}),
    ("users-update-name-empty", "PATCH", USER, {"json": {"name": ""}}),
    ("users-update-image-javascript", "PATCH", USER, {"json": {"image": "javascript:alert(1)"}}),
    ("users-update-email-verified-string", "PATCH", USER, {"json": {"email_verified": "true"}}),
    ("users-update-email-field", "PATCH", USER, {"json": {"email": "new@example.com"}}),
    ("users-update-role-field", "PATCH", USER, {"json": {"role": "admin"}}),
    ("role-not-string", "PUT", USER + "/role", {"json": {"role": 1}}),
    ("role-bad-format", "PUT", USER + "/role", {"json": {"role": "Admin; DROP TABLE users"}}),
    ("role-missing", "PUT", USER + "/role", {"json": {}}),
    ("ban-negative-expiry", "POST", USER + "/ban", {"json": {"expires_in_seconds": -5}}),
    ("ban-expiry-string", "POST", USER + "/ban", {"json": {"expires_in_seconds": "3600"}}),
    ("ban-expiry-huge", "POST", USER + "/ban", {"json": {"expires_in_seconds": 10**15}}),
    ("ban-reason-huge", "POST", USER + "/ban", {"json": {"reason": HUGE}}),
    ("ban-unknown-field", "POST", USER + "/ban", {"json": {"permanent": True}}),
    ("sessions-huge-session-id", "DELETE", USER + "/sessions/" + "s" * 500, {}),
    ("sessions-huge-user-id", "GET", "/api/v1/users/" + "u" * 500 + "/sessions", {}),
    ("method-not-allowed", "PUT", "/api/v1/tasks", {"json": {"title": "t"}}),
    ("unknown-route", "GET", "/api/v1/nope", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_bad_input_returns_4xx_error_body(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin: Actor,
    bob: Actor,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    task = await make_task(db, admin.user)
    url = path.format(task=task.id, user=bob.user.id)
    headers = {**admin.bearer(), **kwargs.pop("headers", {})}
    response = await client.request(method, url, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"].isupper()
    assert body["message"]


async def test_validation_error_has_code_and_readable_message(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.post("/api/v1/tasks", json={"title": 42, "completed": "x"}, headers=alice.bearer())
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["message"].startswith("title:")
    assert "1 more" in body["message"]


async def test_oversized_streamed_body_returns_413(client: httpx.AsyncClient, alice: Actor) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 8192

    response = await client.post(
        "/api/v1/tasks", content=chunks(), headers={**alice.bearer(), "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_missing_task_id_format_uuid_upper_case_is_same_task(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    task = await make_task(db, alice.user)
    response = await client.get(f"/api/v1/tasks/{str(uuid.UUID(task.id)).upper()}", headers=alice.bearer())
    assert response.status_code == 200
