"""The real auth server (`npm run start -w auth-server`) as a subprocess on a free 127.0.0.1 port, sharing
its database with an in-process backend. Started once per run, always stopped in teardown."""

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from gatehouse_test_support.processes import REPO_ROOT, free_port

from app.core.config import Settings
from app.main import create_app
from tests.utils.factories import TEST_SECRET
from tests.utils.pg_roles import backend_url, migrate_backend
from tests.utils.processes import build_auth_server

ADMIN_EMAIL = "root@gatehouse.test"
PASSWORD = "correct horse battery staple 42"


@dataclass
class AuthServer:
    """A running auth server."""

    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _stop(process: subprocess.Popen[bytes]) -> None:
    # npm → sh → node: signal the whole process group we created, by its id.
    if process.poll() is not None:
        return
    pgid = os.getpgid(process.pid)
    os.killpg(pgid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        process.wait()


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float = 120) -> None:
    """Polls the auth server's /health until it answers 200; fails with its log if it dies or stalls."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"auth server exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"auth server did not become healthy:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="session", autouse=True)
def auth_server_build() -> None:
    """Every test here runs the compiled auth server (`npm run start -w auth-server` = `node dist/index.js`):
    build it from the current sources first."""
    build_auth_server()


def launch_auth_server(
    database_url: str, log: Path, port: int | None = None, **env_overrides: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the compiled auth server (`npm run start -w auth-server`) on 127.0.0.1 in its own process group,
    wait until /health answers, then apply the backend's migrations after its own. Returns the process (stop it
    with `_stop`) and its URL. `env_overrides` win over the test defaults (outbox mail, NODE_ENV=test)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": url,
        "EMAIL_TRANSPORT": "outbox",
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
        **env_overrides,
    }
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
    try:
        wait_until_healthy(process, url, log)
        migrate_backend(database_url)
    except BaseException:
        _stop(process)
        raise
    return process, url


@pytest.fixture(scope="session")
def auth_server(
    fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AuthServer]:
    """The real auth server on its own fresh database, with the backend's migrations applied after its own."""
    database_url = fresh_database_url("gatehouse_integration")
    log = tmp_path_factory.mktemp("auth-server") / "auth-server.log"
    # Request lines are logged at info: the request-id and no-secrets tests read them from `log`.
    process, url = launch_auth_server(database_url, log, ADMIN_EMAILS=ADMIN_EMAIL, LOG_LEVEL="info")
    try:
        yield AuthServer(url=url, database_url=database_url, process=process, log=log)
    finally:
        _stop(process)


@pytest_asyncio.fixture
async def auth(auth_server: AuthServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the auth server (no cookie jar: credentials are passed explicitly).

    It sends the server's own origin as `Origin`, as a browser on a trusted page does: better-auth refuses a
    state-changing request that carries a cookie without a trusted Origin (403 MISSING_OR_NULL_ORIGIN).
    """
    headers = {"Origin": auth_server.url}
    async with httpx.AsyncClient(base_url=auth_server.url, timeout=30, cookies=None, headers=headers) as http:
        yield http


@pytest_asyncio.fixture
async def backend(auth_server: AuthServer) -> AsyncIterator[httpx.AsyncClient]:
    """The backend, in-process, configured like production against the auth server. Like the `auth` client, it
    sends the web app's origin (CORS_ORIGINS) as `Origin`, as a browser on the app's pages does: a write that the
    session cookie authenticates is refused without a trusted one (403 MISSING_OR_NULL_ORIGIN)."""
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=backend_url(auth_server.database_url),
        better_auth_secret=TEST_SECRET,
        auth_url=auth_server.url,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://backend",
            headers={"Origin": settings.cors_origins[0]},
        ) as http,
    ):
        yield http


@dataclass
class SignedIn:
    """One sign-in's credentials, as the auth server issued them."""

    user_id: str
    email: str
    bearer_token: str
    cookie_name: str
    cookie_value: str
    jwt: str

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer_token}"}

    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"{self.cookie_name}={self.cookie_value}"}

    def jwt_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"}


async def sign_up_and_verify(auth: httpx.AsyncClient, email: str, name: str = "Integration User") -> None:
    """Sign up, then follow the verification link from the dev outbox."""
    response = await auth.post("/api/auth/sign-up/email", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 200, response.text
    token = None
    for _ in range(50):
        mails = (await auth.get("/api/dev/outbox", params={"to": email})).json()
        links = [m for mail in mails for m in re.findall(r"https?://\S+/verify-email\?token=\S+", mail["text"])]
        if links:
            token = parse_qs(urlsplit(links[0]).query)["token"][0]
            break
        await asyncio.sleep(0.1)
    assert token, f"no verification mail for {email}"
    # Verified by the client that signed up (its sign-up cookie), as a person in one browser would: the
    # auth server grants ADMIN_EMAILS only to an owner proven that way (issue 12 #2).
    binding = "; ".join(c.split(";", 1)[0] for c in response.headers.get_list("set-cookie"))
    verified = await auth.get("/api/auth/verify-email", params={"token": token}, headers={"Cookie": binding})
    assert verified.status_code in {200, 302}, verified.text


async def sign_in(auth: httpx.AsyncClient, email: str) -> SignedIn:
    """Sign in and collect the bearer token, the session cookie and a JWT."""
    response = await auth.post("/api/auth/sign-in/email", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    bearer_token = response.headers["set-auth-token"]
    cookie = next(c for c in response.headers.get_list("set-cookie") if "session_token=" in c)
    cookie_name, cookie_value = cookie.split(";", 1)[0].split("=", 1)
    token_response = await auth.get("/api/auth/token", headers={"Authorization": f"Bearer {bearer_token}"})
    assert token_response.status_code == 200, token_response.text
    return SignedIn(
        user_id=response.json()["user"]["id"],
        email=email,
        bearer_token=bearer_token,
        cookie_name=cookie_name,
        cookie_value=cookie_value,
        jwt=token_response.json()["token"],
    )


@pytest.fixture
def unique_email(request: pytest.FixtureRequest) -> str:
    """A fresh address per test, so tests sharing the server never collide."""
    return f"{request.node.name.lower()[:40].strip('_')}-{time.monotonic_ns()}@example.com".replace("[", "-").replace(
        "]", ""
    )
