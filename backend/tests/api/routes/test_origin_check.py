"""Cookie-authenticated writes must come from the web app's origin (CORS_ORIGINS) or the API's own, as at the auth
server (better-auth's origin check, applied by gatehouse-fastapi): every state-changing route, user and admin alike.
Bearer credentials and reads are not checked."""

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from gatehouse_fastapi import SAFE_METHODS
from gatehouse_test_support.jwks import JwksServer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from tests.utils.factories import WEB_ORIGIN, Actor, make_task

TASKS = "/api/v1/tasks"
EVIL = "https://evil.example"


def writes(app: FastAPI, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every state-changing route the API has (so a route added later is covered), its path filled from `ids`."""
    found = []
    for route in iter_route_contexts(app.routes):  # routes of included routers too, with their prefixes
        path = route.path_format or ""
        if isinstance(route.original_route, APIRoute) and path.startswith("/api/v1"):
            for method in sorted((route.methods or set()) - SAFE_METHODS):
                found.append((method, path.format(**ids)))
    return found


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ({"Origin": EVIL}, "INVALID_ORIGIN"),
        ({"Referer": f"{EVIL}/x"}, "INVALID_ORIGIN"),
        ({}, "MISSING_OR_NULL_ORIGIN"),
        ({"Origin": "null"}, "MISSING_OR_NULL_ORIGIN"),
    ],
)
async def test_cookie_writes_from_elsewhere_are_refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin: Actor,
    bob: Actor,
    origin: dict[str, str],
    expected: str,
) -> None:
    task = await make_task(db, admin.user)
    ids = {"task_id": str(task.id), "user_id": bob.user.id, "session_id": bob.session.id}
    routes = writes(app, ids)
    assert ("POST", "/api/v1/tasks") in routes
    assert ("POST", f"/api/v1/users/{bob.user.id}/ban") in routes
    for method, path in routes:
        body = {"title": "forged", "completed": True, "name": "forged", "reason": "forged", "role": "admin"}
        response = await client.request(method, path, json=body, headers={**admin.cookie(), **origin})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == expected, (method, path)
    listed = await client.get(TASKS, headers={**admin.cookie(), "Origin": EVIL})  # reads are not checked
    assert [t["title"] for t in listed.json()["data"]] == [task.title]  # and nothing was written


async def test_cookie_writes_from_the_web_app_pass(
    client: httpx.AsyncClient, settings: Settings, db: AsyncSession, alice: Actor
) -> None:
    task = await make_task(db, alice.user)
    assert settings.cors_origins == [WEB_ORIGIN]
    for origin in (WEB_ORIGIN, "http://testserver"):  # the web app, and the API's own pages (docs)
        headers = {**alice.cookie(), "Origin": origin}
        assert (await client.post(TASKS, json={"title": "mine"}, headers=headers)).status_code == 201
        assert (await client.patch(f"{TASKS}/{task.id}", json={"completed": True}, headers=headers)).is_success


async def test_bearer_writes_are_not_checked(client: httpx.AsyncClient, jwks: JwksServer, alice: Actor) -> None:
    jwt = {"Authorization": f"Bearer {jwks.mint(sub=alice.user.id, sid=alice.session.id)}"}
    for headers in (alice.bearer(), jwt):
        response = await client.post(TASKS, json={"title": "api"}, headers={**headers, "Origin": EVIL})
        assert response.status_code == 201
