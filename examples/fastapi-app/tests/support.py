"""Test support for the example: the app as a real uvicorn process, an auth server client, and direct database
changes standing in for an operator (ban, role, expiry). Needs only the standard library and what
gatehouse-fastapi installs (httpx, SQLAlchemy and its drivers)."""

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from gatehouse_fastapi import Schema
from sqlalchemy import inspect, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql import column, table

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "example-Password-for-tests-7y2Q"
AUTH_URL = os.environ.get("AUTH_URL", "")
SECRET = os.environ.get("BETTER_AUTH_SECRET", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class AppServer:
    """`uvicorn app:app` from this directory, on a free port, in its own process group; `stop()` ends it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=EXAMPLE_DIR,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the example app exited: {self.process.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the example app did not start within 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class SignedIn:
    """One sign-in's three credentials, as the auth server issued them."""

    email: str
    bearer_token: str
    cookie_name: str
    cookie_value: str
    jwt: str

    def credentials(self) -> dict[str, dict[str, str]]:
        return {
            "jwt": {"Authorization": f"Bearer {self.jwt}"},
            "bearer": {"Authorization": f"Bearer {self.bearer_token}"},
            "cookie": {"Cookie": f"{self.cookie_name}={self.cookie_value}"},
        }


async def sign_up_and_in(auth: httpx.AsyncClient, email: str) -> SignedIn:
    """Create an account (following the verification mail when the server sends one) and sign in."""
    headers = {"Origin": AUTH_URL}
    response = await auth.post(
        "/api/auth/sign-up/email", json={"email": email, "password": PASSWORD, "name": "Example User"}, headers=headers
    )
    assert response.status_code == 200, response.text
    if (await auth.get("/api/dev/outbox", params={"to": email})).status_code == 200:  # Gatehouse in development
        await _verify_from_outbox(auth, email)
    response = await auth.post("/api/auth/sign-in/email", json={"email": email, "password": PASSWORD}, headers=headers)
    assert response.status_code == 200, response.text
    bearer_token = response.headers["set-auth-token"]
    cookie = next(c for c in response.headers.get_list("set-cookie") if "session_token=" in c)
    cookie_name, cookie_value = cookie.split(";", 1)[0].split("=", 1)
    token = await auth.get("/api/auth/token", headers={"Authorization": f"Bearer {bearer_token}"})
    assert token.status_code == 200, token.text
    return SignedIn(email, bearer_token, cookie_name, cookie_value, token.json()["token"])


async def _verify_from_outbox(auth: httpx.AsyncClient, email: str) -> None:
    async def link() -> str | None:
        mails = (await auth.get("/api/dev/outbox", params={"to": email})).json()
        found = [m for mail in mails for m in re.findall(r"https?://\S+/verify-email\?token=\S+", mail["text"])]
        return found[0] if found else None

    url = await eventually(link, within=5.0)
    verified = await auth.get("/api/auth/verify-email", params={"token": parse_qs(urlsplit(url).query)["token"][0]})
    assert verified.status_code in {200, 302}, verified.text


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 1.0) -> Any:
    """Await `check()` until it returns something truthy; fail after `within` seconds (never loops forever)."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition still false after {within} s")
        await asyncio.sleep(0.02)


def async_url(url: str) -> str:
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:").removeprefix("//")
        return f"sqlite+aiosqlite:///{Path(path).resolve()}"
    return re.sub(r"^postgres(ql)?://", "postgresql+asyncpg://", url)


class Operator:
    """Changes an operator (or the auth server's admin API) would make, written straight to the database."""

    def __init__(self) -> None:
        self.engine: AsyncEngine = create_async_engine(async_url(DATABASE_URL))
        self.schema: Schema | None = None

    async def _schema(self) -> Schema:
        if self.schema is None:
            async with self.engine.connect() as conn:
                names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            self.schema = Schema.gatehouse() if "user_sessions" in names else Schema.better_auth()
        return self.schema

    async def update_user(self, email: str, **fields: Any) -> None:
        """Set user fields by their better-auth names (banned, role, emailVerified)."""
        schema = await self._schema()
        values = {schema.user_column(k): v for k, v in fields.items()}
        users = table(schema.user_table, *(column(c) for c in (*values, schema.user_column("email"))))
        async with self.engine.begin() as conn:
            await conn.execute(update(users).where(users.c[schema.user_column("email")] == email).values(**values))

    async def expire_sessions(self, user_id: str) -> None:
        """Move the user's sessions' expiry into the past (what time would do)."""
        schema = await self._schema()
        expires, user_col = schema.session_column("expiresAt"), schema.session_column("userId")
        sessions = table(schema.session_table, column(expires), column(user_col))
        past = datetime.now(UTC) - timedelta(minutes=1)
        value: Any = past if self.engine.dialect.name == "postgresql" else past.isoformat(timespec="milliseconds")
        if isinstance(value, str):
            value = value.replace("+00:00", "Z")
        async with self.engine.begin() as conn:
            await conn.execute(update(sessions).where(sessions.c[user_col] == user_id).values({expires: value}))

    async def close(self) -> None:
        await self.engine.dispose()
