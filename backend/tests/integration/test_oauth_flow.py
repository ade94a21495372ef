"""Acceptance 1 of provider sign-in: a real OpenID provider (the `oidc-provider` package, started with the auth
server's test launcher) → authorization code + PKCE through the real auth server over HTTP → session → the
backend answers 200 to all three credentials and lists the provider in /api/v1/auth/accounts.

Runs against an auth server of its own, because OIDC_PROVIDERS must name the provider before the server starts.
"""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from gatehouse_test_support.processes import free_port

from app.core.config import Settings
from app.main import create_app
from tests.integration.conftest import AuthServer, _stop, launch_auth_server, sign_up_and_verify
from tests.integration.oidc import CLIENT, FRONTEND, credentials, provider_sign_in, start_provider
from tests.utils.factories import TEST_SECRET
from tests.utils.pg_roles import backend_url


@dataclass
class OAuthStack:
    """An OpenID provider and an auth server configured to sign in with it as `acme`."""

    auth: AuthServer
    issuer: str


@pytest.fixture(scope="module")
def oauth_stack(
    fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthStack]:
    """Provider first (the auth server discovers it at start), then the auth server; both stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider, info = start_provider(f"{url}/api/auth/callback/acme")
    database_url = fresh_database_url("gatehouse_oauth")
    log = tmp_path_factory.mktemp("auth-server-oauth") / "auth-server.log"
    provider_setting = [{"id": "acme", "name": "Acme", "discoveryUrl": info["discoveryUrl"], **CLIENT}]
    process = None
    try:
        process, _ = launch_auth_server(
            database_url, log, port=port, FRONTEND_URL=FRONTEND, OIDC_PROVIDERS=json.dumps(provider_setting)
        )
        yield OAuthStack(
            auth=AuthServer(url=url, database_url=database_url, process=process, log=log), issuer=info["issuer"]
        )
    finally:
        if process is not None:
            _stop(process)
        _stop(provider)


@pytest_asyncio.fixture
async def backend(oauth_stack: OAuthStack) -> AsyncIterator[httpx.AsyncClient]:
    """The backend, in-process, against this module's auth server."""
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=backend_url(oauth_stack.auth.database_url),
        better_auth_secret=TEST_SECRET,
        auth_url=oauth_stack.auth.url,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://backend") as http,
    ):
        yield http


async def test_provider_sign_in_then_all_three_credentials_return_200(
    oauth_stack: OAuthStack, backend: httpx.AsyncClient
) -> None:
    auth_url = oauth_stack.auth.url
    async with httpx.AsyncClient(timeout=30) as browser:
        done = await provider_sign_in(browser, auth_url, "acme-ada")
        assert done.status_code == 302
        assert done.headers["location"] == f"{FRONTEND}/dashboard"
        cookie, bearer = credentials(browser)
        token = await browser.get(f"{auth_url}/api/auth/token", headers=cookie)
        assert token.status_code == 200, token.text
        jwt_header = {"Authorization": f"Bearer {token.json()['token']}"}

    for headers in (cookie, bearer, jwt_header):
        me = await backend.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "ada@example.com"
        assert me.json()["email_verified"] is True
    accounts = (await backend.get("/api/v1/auth/accounts", headers=jwt_header)).json()
    assert [(a["provider_id"], a["account_id"]) for a in accounts] == [("acme", "acme-ada")]
    assert "token" not in json.dumps(accounts).lower()
    created = await backend.post("/api/v1/tasks", json={"title": "from a provider sign-in"}, headers=jwt_header)
    assert created.status_code == 201


async def test_verified_provider_identity_links_to_password_user(
    oauth_stack: OAuthStack, backend: httpx.AsyncClient
) -> None:
    auth_url = oauth_stack.auth.url
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as auth:
        await sign_up_and_verify(auth, "password-first@example.com")
    async with httpx.AsyncClient(timeout=30) as browser:
        done = await provider_sign_in(browser, auth_url, "acme-pw")
        assert done.headers["location"] == f"{FRONTEND}/dashboard"
        cookie, _ = credentials(browser)
    accounts = (await backend.get("/api/v1/auth/accounts", headers=cookie)).json()
    assert sorted(a["provider_id"] for a in accounts) == ["acme", "credential"]
