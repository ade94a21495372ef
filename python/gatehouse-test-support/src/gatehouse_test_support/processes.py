"""Real helper processes for tests: an embedded PostgreSQL, the auth server's own migrations, free ports."""

import json
import os
import select
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

REPO_ROOT = Path(__file__).resolve().parents[4]
"""The repository's root (this package is only ever installed editable from python/gatehouse-test-support)."""


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedPostgres:
    """A running `scripts/embedded-pg.mjs`: the URL of its `gatehouse` database and the process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]

    def database_url(self, name: str) -> str:
        """URL of another database on the same server."""
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    async def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database (a copy of `template` if given, which must have no connections) and return its URL."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            await conn.close()
        return self.database_url(name)

    async def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def stop(self) -> None:
        """Close its stdin (it stops and deletes its data) and wait; SIGTERM/SIGKILL as fallbacks."""
        if self.process.poll() is not None:
            return
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            terminate(self.process)


def terminate(process: "subprocess.Popen[bytes]", grace: float = 10.0) -> None:
    """SIGTERM `process` and wait for it; SIGKILL after `grace` seconds. Returns once it has exited."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_embedded_postgres(timeout: float = 90.0) -> EmbeddedPostgres:
    """Start a throwaway PostgreSQL and wait (bounded) for its ready line."""
    process = subprocess.Popen(
        ["node", str(REPO_ROOT / "scripts" / "embedded-pg.mjs")],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            process.kill()
            process.wait()
            raise RuntimeError("embedded PostgreSQL did not start")
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            if chunk:
                buffer += chunk
    info = json.loads(buffer.split(b"\n", 1)[0])
    return EmbeddedPostgres(url=info["url"], port=int(info["port"]), process=process)


def run_repo_command(command: list[str], *, what: str, env: dict[str, str] | None = None, timeout: float = 180) -> None:
    """Run `command` from the repository root with `env` added to this process's environment, its output
    captured. Raises RuntimeError naming `what`, with the command's stdout and stderr, when it exits non-zero;
    subprocess.TimeoutExpired after `timeout` seconds.
    """
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}\n{result.stderr}")


def migrate_auth_tables(database_url: str, secret: str) -> None:
    """Create the identity tables exactly as the auth server does (`npm run migrate -w auth-server`). Raises
    RuntimeError with the command's output when it fails; bounded at 180 s.
    """
    env = {"DATABASE_URL": database_url, "BETTER_AUTH_SECRET": secret, "NODE_ENV": "test", "LOG_LEVEL": "warn"}
    run_repo_command(["npm", "run", "--silent", "migrate", "-w", "auth-server"], what="auth server migration", env=env)
