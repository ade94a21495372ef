"""The error registry and handlers: every failure is `{code, message}`, 500s included."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from tests.utils.factories import Actor
from tests.utils.logs import capture_json_logs


async def test_unhandled_exception_returns_500_body_with_request_id(app: FastAPI) -> None:
    @app.get("/api/v1/test-only/boom")
    async def boom() -> None:  # registered on this test's app only
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with capture_json_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get(
                "/api/v1/test-only/boom", headers={"X-Request-ID": "boom-1", "Origin": "http://localhost:5173"}
            )
    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL_ERROR", "message": "Internal server error.", "request_id": "boom-1"}
    assert "secret internals" not in response.text
    # Handled inside the other middleware: the 500 keeps the request id, CORS and security headers.
    assert response.headers["x-request-id"] == "boom-1"
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["x-content-type-options"] == "nosniff"
    [line] = [line for line in logs.lines() if line["logger"] == "gatehouse.errors"]
    assert line["request_id"] == "boom-1"  # logged while the request's context was still set
    assert "RuntimeError: secret internals" in line["exc_info"]


async def test_error_after_response_started_is_not_masked(app: FastAPI) -> None:
    async def broken_stream() -> AsyncIterator[bytes]:
        yield b"partial"
        raise RuntimeError("mid-stream")

    @app.get("/api/v1/test-only/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(broken_stream())

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        with pytest.raises(RuntimeError, match="mid-stream"):
            await http.get("/api/v1/test-only/stream")


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


async def test_cors_preflight_allows_head_as_it_allows_get(client: httpx.AsyncClient) -> None:
    # HEAD is served wherever GET is (app.core.head), so a browser's cross-origin HEAD with a credential may go.
    response = await client.options(
        "/api/v1/tasks",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "HEAD",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert "HEAD" in response.headers["access-control-allow-methods"]


async def test_cors_preflight_refusal_is_a_contract_error(client: httpx.AsyncClient) -> None:
    for origin, method, refused in (
        ("http://localhost:5173", "TRACE", "method"),
        ("https://evil.example", "GET", "origin"),
    ):
        response = await client.options(
            "/api/v1/tasks", headers={"Origin": origin, "Access-Control-Request-Method": method}
        )
        assert (response.status_code, response.json()["code"]) == (400, "BAD_REQUEST"), (origin, method)
        assert response.json()["message"] == f"CORS preflight refused: {refused} not allowed."
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_cors_refuses_unknown_origin(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get("/api/v1/auth/me", headers={**alice.bearer(), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_malformed_json_body_is_invalid_json(client: httpx.AsyncClient, alice: Actor) -> None:
    # The auth server answers the same (tests/integration/test_edge_answers.py asks both).
    for body in (b'{"title": ', b"{'title': 'x'}", b"[1,]"):
        response = await client.post(
            "/api/v1/tasks", content=body, headers={**alice.bearer(), "Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON"), body


async def test_body_that_is_not_json_is_unsupported_media_type(client: httpx.AsyncClient, alice: Actor) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**alice.bearer(), **({"Content-Type": content_type} if content_type else {})}
        response = await client.post("/api/v1/tasks", content=b'{"title": "x"}', headers=headers)
        assert (response.status_code, response.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE"), content_type
    # A JSON type with parameters is JSON.
    for content_type in ("application/json; charset=utf-8", "APPLICATION/JSON"):
        response = await client.post(
            "/api/v1/tasks", content=b'{"title": "x"}', headers={**alice.bearer(), "Content-Type": content_type}
        )
        assert response.status_code == 201, (content_type, response.text)


async def test_method_not_allowed_names_the_allowed_methods(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.put("/api/v1/health")
    assert (response.status_code, response.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET"
    # Every method of every route serving the path (Starlette named only the first route: `GET` here), sorted,
    # in the auth server's words.
    for path, allow in (("/api/v1/tasks", "GET, POST"), (f"/api/v1/users/{alice.user.id}/ban", "DELETE, POST")):
        response = await client.put(path, headers=alice.bearer())
        assert (response.status_code, response.headers["allow"]) == (405, allow), path
        assert response.json() == {
            "code": "METHOD_NOT_ALLOWED",
            "message": f"PUT is not allowed on {path}; use {allow}.",
        }
    task = f"/api/v1/tasks/{uuid.uuid4()}"
    response = await client.post(task, headers=alice.bearer())
    assert (response.status_code, response.headers["allow"]) == (405, "DELETE, GET, PATCH, PUT")
    # A mounted app's own 405 (Swagger UI's static files) names its methods in the same form.
    response = await client.post("/docs-assets/swagger-ui.css")
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
    assert response.json()["message"] == "POST is not allowed on /docs-assets/swagger-ui.css; use GET."


async def test_head_is_answered_as_get_without_the_body(client: httpx.AsyncClient, alice: Actor) -> None:
    # RFC 9110 §9.3.2, and what the auth server answers (tests/integration/test_edge_answers.py asks both).
    for path, headers in (("/api/v1/health", {}), ("/api/v1/tasks", alice.bearer()), ("/api/v1/auth/me", {})):
        got = await client.get(path, headers=headers)
        head = await client.head(path, headers=headers)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers["content-length"] == str(len(got.content)), path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["x-content-type-options"] == "nosniff", path
    refused = await client.head("/api/v1/auth/me")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")


async def test_head_never_reaches_a_route_of_another_method(client: httpx.AsyncClient, alice: Actor) -> None:
    # /users/{id}/ban serves POST and DELETE only: HEAD is refused as GET would be, and nothing is banned.
    path = f"/api/v1/users/{alice.user.id}/ban"
    response = await client.head(path, headers=alice.bearer())
    as_get = await client.get(path, headers=alice.bearer())
    assert (response.status_code, as_get.status_code) == (405, 405)
    assert response.headers["allow"] == as_get.headers["allow"]
    assert "HEAD" not in response.headers["allow"]
    assert "GET" not in response.headers["allow"]
    assert response.content == b""
    assert (await client.head("/api/v1/no-such-route")).status_code == 404
    assert (await client.get("/api/v1/auth/me", headers=alice.bearer())).status_code == 200
