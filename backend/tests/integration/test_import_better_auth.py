"""Issue 14, acceptance 1 at the backend: a real stock better-auth 1.7.25 database (made by the stock server in
bench/baseline/) is imported in place with the compiled `gatehouse import better-auth`; the compiled auth server
then runs on it, and the credentials the stock server issued keep working at the auth server and at the backend:
the session cookie, the bearer token, the admin role, and the JWT signed before the import still verifies against
the JWKS Gatehouse publishes."""

import asyncio
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
import pytest_asyncio
from alembic import command
from gatehouse_test_support.processes import REPO_ROOT, free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.core.db import to_async_url
from app.core.migrate import alembic_config
from app.main import create_app
from tests.integration.conftest import wait_until_healthy
from tests.utils.factories import TEST_SECRET
from tests.utils.services import Service, start_auth_server

ME = "/api/v1/auth/me"
ADMIN_EMAIL = "ada@example.com"
PASSWORD = "Pässwörd-Ünïcödé-日本語-🔑"


@dataclass
class Issued:
    """What the stock server issued to its admin before the import."""

    stock_url: str
    user_id: str
    bearer: str
    cookie: str
    jwt: str


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(os.getpgid(process.pid), signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(os.getpgid(process.pid), signal.SIGKILL)
        process.wait()


@contextmanager
def _stock_server(database_url: str, log: Path) -> Iterator[str]:
    """Run bench/baseline/server.ts (stock better-auth with bearer, jwt and admin) until the caller is done."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BASELINE_ADMIN": "1",
        "NODE_ENV": "test",
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["node", "--import", "tsx", "baseline/server.ts"],
            cwd=REPO_ROOT / "bench",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(process, url, log)
        yield url
    finally:
        _stop(process)


async def _issue_with_stock(database_url: str, log: Path) -> Issued:
    with _stock_server(database_url, log) as stock_url:
        async with httpx.AsyncClient(base_url=stock_url, timeout=30) as http:
            body = {"email": ADMIN_EMAIL, "password": PASSWORD, "name": "Ada"}
            up = await http.post("/api/auth/sign-up/email", json=body)
            assert up.status_code == 200, up.text
            signed_in = await http.post("/api/auth/sign-in/email", json={"email": ADMIN_EMAIL, "password": PASSWORD})
            assert signed_in.status_code == 200, signed_in.text
            bearer = signed_in.headers["set-auth-token"]
            cookie = next(c for c in signed_in.headers.get_list("set-cookie") if "session_token=" in c).split(";")[0]
            token = await http.get("/api/auth/token", headers={"Authorization": f"Bearer {bearer}"})
            assert token.status_code == 200, token.text
            return Issued(stock_url, up.json()["user"]["id"], bearer, cookie, token.json()["token"])


@pytest.fixture
def stock_database_url(fresh_database_url: Callable[[str], str]) -> str:
    """An empty database for the stock server (created outside the event loop: PostgreSQL's factory runs one)."""
    return fresh_database_url("stock_better_auth")


@pytest_asyncio.fixture
async def imported(
    stock_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Issued, Service]]:
    """A stock database with one verified admin, imported in place, served by the compiled auth server."""
    database_url = stock_database_url
    logs = tmp_path_factory.mktemp("import-better-auth")
    issued = await _issue_with_stock(database_url, logs / "stock.log")
    # What the stock API cannot do without mail or a first admin, an operator does in SQL.
    engine = create_async_engine(to_async_url(database_url))
    async with engine.begin() as conn:
        await conn.execute(
            text('update "user" set "emailVerified" = true, role = \'admin\' where id = :id'), {"id": issued.user_id}
        )
    await engine.dispose()

    env = {**os.environ, "DATABASE_URL": database_url, "BETTER_AUTH_SECRET": TEST_SECRET, "NODE_ENV": "test"}
    cli = ["node", "auth-server/dist/cli/index.js", "import", "better-auth", "--from", database_url]
    done = await asyncio.to_thread(
        subprocess.run, cli, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Sessions: the sign-up's and the sign-in's.
    assert "Summary: imported 1 user, 1 account, 2 sessions, 1 signing key in one transaction." in done.stdout

    # Same public URL as before the cut-over: it is the JWTs' issuer and audience.
    auth = start_auth_server(name="auth-imported", database_url=database_url, log_dir=logs, public_url=issued.stock_url)
    try:
        await asyncio.to_thread(auth.wait_healthy)
        await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
        yield issued, auth
    finally:
        auth.stop()


async def test_stock_credentials_work_at_the_auth_server_and_the_backend_after_import(
    imported: tuple[Issued, Service],
) -> None:
    issued, auth = imported
    bearer = {"Authorization": f"Bearer {issued.bearer}"}
    cookie = {"Cookie": issued.cookie}
    async with httpx.AsyncClient(base_url=auth.url, timeout=30) as http:
        for headers in (bearer, cookie):
            session = await http.get("/api/auth/get-session", headers=headers)
            assert session.status_code == 200, session.text
            user = session.json()["user"]
            assert (user["id"], user["role"], user["emailVerified"]) == (issued.user_id, "admin", True)
        signed_in = await http.post("/api/auth/sign-in/email", json={"email": ADMIN_EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        fresh_jwt = (await http.get("/api/auth/token", headers=bearer)).json()["token"]

    # The key that signed the stock JWT is published by Gatehouse (retired from signing, not from verifying).
    signing_key = jwt.PyJWKClient(f"{auth.url}/api/auth/jwks").get_signing_key_from_jwt(issued.jwt)
    claims = jwt.decode(
        issued.jwt, signing_key, algorithms=["EdDSA"], issuer=issued.stock_url, audience=issued.stock_url
    )
    assert claims["sub"] == issued.user_id

    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=auth.env["DATABASE_URL"],
        better_auth_secret=TEST_SECRET,
        auth_url=auth.url,
        jwt_issuer=issued.stock_url,
        jwt_audience=issued.stock_url,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://backend") as backend,
    ):
        for headers in (bearer, cookie, {"Authorization": f"Bearer {fresh_jwt}"}):
            me = await backend.get(ME, headers=headers)
            assert me.status_code == 200, me.text
            assert me.json()["id"] == issued.user_id
        # Admins stay admins at the backend too.
        assert (await backend.get("/api/v1/users", headers=bearer)).status_code == 200
