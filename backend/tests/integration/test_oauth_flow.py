"""Acceptance 1 of provider sign-in: a real OpenID provider (the `oidc-provider` package, started with the auth
server's test launcher) → authorization code + PKCE through the real auth server over HTTP → session → the
backend answers 200 to all three credentials and lists the provider in /api/v1/auth/accounts.

Runs against an auth server of its own, because OIDC_PROVIDERS must name the provider before the server starts.
"""

import json
import os
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import pytest
import pytest_asyncio

from app.core.config import Settings
from app.main import create_app
from tests.integration.conftest import AuthServer, _stop, sign_up_and_verify, wait_until_healthy
from tests.utils.factories import TEST_SECRET
from tests.utils.jwks_server import free_port
from tests.utils.pg_roles import backend_url, migrate_backend
from tests.utils.processes import REPO_ROOT

LAUNCHER = REPO_ROOT / "auth-server" / "test" / "support" / "oidc-provider.ts"
TSX = REPO_ROOT / "node_modules" / ".bin" / "tsx"
FRONTEND = "http://localhost:5173"
CLIENT = {"clientId": "gatehouse-acme", "clientSecret": "integration-client-secret-0123456789"}
ACCOUNTS = {
    "acme-ada": {"email": "ada@example.com", "emailVerified": True, "name": "Ada"},
    "acme-pw": {"email": "password-first@example.com", "emailVerified": True, "name": "Pat"},
}


@dataclass
class OAuthStack:
    """An OpenID provider and an auth server configured to sign in with it as `acme`."""

    auth: AuthServer
    issuer: str


def _start_provider(redirect_uri: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    config = {"accounts": ACCOUNTS, "clients": [{**CLIENT, "redirectUris": [redirect_uri]}]}
    process = subprocess.Popen(
        [str(TSX), str(LAUNCHER), "--config", json.dumps(config)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        _stop(process)
        raise RuntimeError("the OpenID provider launcher did not start")
    info: dict[str, str] = json.loads(line)
    return process, info


@pytest.fixture(scope="module")
def oauth_stack(
    fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthStack]:
    """Provider first (the auth server discovers it at start), then the auth server; both stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider, info = _start_provider(f"{url}/api/auth/callback/acme")
    database_url = fresh_database_url("gatehouse_oauth")
    log = tmp_path_factory.mktemp("auth-server-oauth") / "auth-server.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": url,
        "FRONTEND_URL": FRONTEND,
        "EMAIL_TRANSPORT": "outbox",
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
        "OIDC_PROVIDERS": json.dumps([{"id": "acme", "name": "Acme", "discoveryUrl": info["discoveryUrl"], **CLIENT}]),
    }
    process = None
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                ["npm", "run", "--silent", "start", "-w", "auth-server"],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_healthy(process, url, log)
        migrate_backend(database_url)
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


async def provider_sign_in(browser: httpx.AsyncClient, auth_url: str, account: str) -> httpx.Response:
    """Click the provider button, sign in and allow at the provider; returns the auth server's final redirect."""
    started = await browser.post(
        f"{auth_url}/api/auth/sign-in/social",
        json={"provider": "acme", "callbackURL": f"{FRONTEND}/dashboard"},
        headers={"Origin": FRONTEND},
    )
    assert started.status_code == 200, started.text
    authorize = started.json()["url"]
    assert "code_challenge_method=S256" in authorize
    response = await browser.get(authorize)
    for _ in range(20):
        location = response.headers.get("location")
        assert response.is_redirect, f"{response.status_code} {response.text[:300]}"
        assert location
        target = urljoin(str(response.url), location)
        if target.startswith(f"{auth_url}/api/auth/callback/"):
            return await browser.get(target)
        path = urlsplit(target).path
        if path.startswith("/interaction/"):
            prompt = (await browser.get(target, headers={"Accept": "application/json"})).json()["prompt"]
            action, form = ("login", {"login": account}) if prompt == "login" else ("confirm", {})
            response = await browser.post(f"{target}/{action}", data=form)
        else:
            response = await browser.get(target)
    raise AssertionError("the provider never sent the browser back")


def credentials(browser: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, str]]:
    """The session cookie and the Bearer session token the browser now holds."""
    value = next(c.value for c in browser.cookies.jar if c.name == "better-auth.session_token" and c.value)
    assert value is not None
    return {"Cookie": f"better-auth.session_token={value}"}, {"Authorization": f"Bearer {unquote(value).split('.')[0]}"}


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
