"""Security headers on every answer; no-store on the API; HSTS only over HTTPS; the docs pages' own CSP."""

import base64
import hashlib
import re

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from app.core.config import Settings
from app.core.docs import install_docs
from app.core.security_headers import API_CSP, SecurityHeadersMiddleware
from app.main import create_app
from tests.utils.factories import Actor

BASELINE = {
    "content-security-policy": API_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_baseline(response: httpx.Response) -> None:
    for name, value in BASELINE.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    assert "server" not in response.headers
    assert "x-powered-by" not in response.headers


async def test_api_answers_carry_headers_and_no_store(client: httpx.AsyncClient, alice: Actor) -> None:
    responses = [
        await client.get("/api/v1/health"),
        await client.get("/api/v1/auth/me", headers=alice.bearer()),
        await client.get("/api/v1/auth/session", headers=alice.cookie()),
        await client.get(f"/api/v1/users/{alice.user.id}/sessions", headers=alice.bearer()),
        await client.get("/api/v1/auth/me"),  # 401
        await client.get("/api/v1/nowhere"),  # 404
        await client.options(
            "/api/v1/tasks", headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}
        ),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 401, 404, 200]
    for response in responses:
        assert_baseline(response)
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers  # plain http


async def test_payload_too_large_still_gets_headers(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.post("/api/v1/tasks", content=b"x" * 70_000, headers=alice.bearer())
    assert response.status_code == 413
    assert_baseline(response)


async def test_hsts_when_request_arrived_over_https(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.test") as https:
        response = await https.get("/api/v1/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_hsts_forced_by_https_public_url(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"backend_public_url": "https://api.example.com"}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal") as http:
        response = await http.get("/openapi.json")
    assert "max-age=" in response.headers["strict-transport-security"]
    assert "cache-control" not in response.headers  # only the API is no-store


def test_public_url_must_be_absolute(settings: Settings) -> None:
    with pytest.raises(ValueError, match="BACKEND_PUBLIC_URL"):
        Settings(**{**settings.model_dump(), "backend_public_url": "api.example.com"})


async def test_stack_headers_are_dropped_and_route_cache_control_replaced() -> None:
    async def leaky(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"server", b"leaky/1.0"), (b"x-powered-by", b"php"), (b"cache-control", b"max-age=600")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    app = SecurityHeadersMiddleware(leaky, no_store_prefixes=["/api/"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/api/x")
    assert_baseline(response)
    assert response.headers.get_list("cache-control") == ["no-store"]


def test_no_store_prefixes_must_be_paths() -> None:
    with pytest.raises(ValueError, match="absolute"):
        SecurityHeadersMiddleware(FastAPI(), no_store_prefixes=["api/"])


def script_src(csp: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith("script-src"))


async def test_swagger_ui_allows_only_its_own_inline_script(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    [inline] = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert script_src(csp) == f"script-src 'self' 'sha256-{digest}'"
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    # Everything the page loads comes from this process, not a CDN.
    assert "https://" not in response.text
    for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', response.text):
        assert (await client.get(asset)).status_code == 200, asset


async def test_redoc_loads_local_bundle_under_its_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/redoc")
    csp = response.headers["content-security-policy"]
    assert script_src(csp) == "script-src 'self'"
    assert "worker-src blob:" in csp
    assert "fonts.googleapis.com" not in response.text
    bundle = await client.get("/docs-assets/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")


def test_docs_need_the_default_pages_off() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        install_docs(FastAPI())
