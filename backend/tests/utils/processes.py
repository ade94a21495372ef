"""Real helper processes for tests: embedded PostgreSQL, redis-server, the auth server's build and its
migration CLI."""

import fcntl
import json
import os
import select
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.utils.jwks_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
PG_SCRIPT = REPO_ROOT / "scripts" / "embedded-pg.mjs"

_auth_server_built = False


@dataclass
class EmbeddedPostgres:
    """A running `scripts/embedded-pg.mjs`: the URL of its `gatehouse` database and the process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]

    def database_url(self, name: str) -> str:
        """URL of another database on the same server."""
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    async def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.database_url(name)

    def stop(self) -> None:
        """Close its stdin (it stops and deletes its data) and wait; SIGTERM/SIGKILL as fallbacks."""
        if self.process.poll() is not None:
            return
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_embedded_postgres(timeout: float = 90.0) -> EmbeddedPostgres:
    """Start a throwaway PostgreSQL and wait for its ready line."""
    process = subprocess.Popen(
        ["node", str(PG_SCRIPT)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
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
            if not chunk:
                continue
            buffer += chunk
    info = json.loads(buffer.split(b"\n", 1)[0])
    return EmbeddedPostgres(url=info["url"], port=int(info["port"]), process=process)


@dataclass
class RedisServer:
    """A running redis-server (Debian's, installed by scripts/ensure-redis.sh) without persistence."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_redis(timeout: float = 10.0) -> RedisServer:
    """Start redis-server on a free 127.0.0.1 port (the twin of auth-server/test/support/redis-server.ts) and
    wait until it answers PING."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return RedisServer(url=f"redis://127.0.0.1:{port}", process=process)
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)


def run_auth_migrations(database_url: str, secret: str) -> None:
    """Create the auth tables exactly as the auth server does: `npm run migrate -w auth-server`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": secret,
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
    }
    result = subprocess.run(
        ["npm", "run", "--silent", "migrate", "-w", "auth-server"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise RuntimeError(f"auth server migration failed:\n{result.stdout}\n{result.stderr}")


def build_auth_server() -> None:
    """Compile the auth server once per test run (`npm run build -w auth-server`, incremental: a few seconds
    when nothing changed), so `npm run start -w auth-server` runs what production runs, the JavaScript in
    auth-server/dist, built from the sources under test. A file lock keeps two test runs from writing dist/
    at once."""
    global _auth_server_built
    if _auth_server_built:
        return
    lock_dir = REPO_ROOT / ".tmp"
    lock_dir.mkdir(exist_ok=True)
    with (lock_dir / "auth-server-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            ["npm", "run", "--silent", "build", "-w", "auth-server"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    if result.returncode != 0:
        raise RuntimeError(f"auth server build failed:\n{result.stdout}\n{result.stderr}")
    _auth_server_built = True
