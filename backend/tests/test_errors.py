"""The error registry and handlers: every failure is `{code, message}`, 500s included."""

import httpx
from fastapi import FastAPI

from tests.utils.factories import Actor


async def test_unhandled_exception_returns_500_body(app: FastAPI) -> None:
    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/test-only/boom")
    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL_ERROR", "message": "Internal server error."}
    assert "secret internals" not in response.text


async def test_method_not_allowed_returns_405_body(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


async def test_cors_preflight_allows_configured_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/tasks",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_refuses_unknown_origin(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get("/api/v1/auth/me", headers={**alice.bearer(), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
