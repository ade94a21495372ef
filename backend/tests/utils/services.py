"""Real service processes for multi-instance tests: auth servers (`npm run start -w auth-server`) and backend
workers (uvicorn, one process each), every one on its own free 127.0.0.1 port, each in its own process group
so teardown can stop exactly what it started."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from gatehouse_test_support.processes import REPO_ROOT, free_port

from tests.utils.factories import TEST_SECRET
from tests.utils.pg_roles import as_backend

BACKEND_DIR = REPO_ROOT / "backend"


@dataclass
class Service:
    """A started process and where it listens."""

    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    command: list[str]
    cwd: Path
    env: dict[str, str] = field(repr=False)
    health_path: str = "/health"

    def relaunch(self) -> "Service":
        """Start the same command again, on the same port (after `stop()`)."""
        with self.log.open("ab") as sink:
            sink.write(f"\n--- relaunch of {self.name} ---\n".encode())
        process = _spawn(self.command, cwd=self.cwd, env=self.env, log=self.log)
        return replace(self, process=process)

    def log_text(self, tail: int = 4000) -> str:
        """The end of its log (stdout and stderr)."""
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def wait_healthy(self, *, timeout: float = 120.0, ready: str | None = None) -> None:
        """Poll the health route until it answers 200 (and, for a backend, `ready` as its feed state)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_text()}")
            try:
                response = httpx.get(self.url + self.health_path, timeout=2)
                if response.status_code == 200 and (ready is None or response.json().get("revocation_feed") == ready):
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become healthy:\n{self.log_text()}")
            time.sleep(0.1)

    def stop(self, *, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal its process group (npm → sh → node has children), then wait; SIGKILL after 15 s."""
        if self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait()


def _spawn(command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_auth_server(
    *, name: str, database_url: str, log_dir: Path, public_url: str | None = None, extra: dict[str, str] | None = None
) -> Service:
    """Start an auth server (not yet waited for). `public_url` is its BETTER_AUTH_URL, i.e. the JWT iss/aud:
    instances behind one load balancer share it, so their JWTs are interchangeable."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": public_url or url,
        "EMAIL_TRANSPORT": "outbox",
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
        **(extra or {}),
    }
    log = log_dir / f"{name}.log"
    command = ["npm", "run", "--silent", "start", "-w", "auth-server"]
    process = _spawn(command, cwd=REPO_ROOT, env=env, log=log)
    return Service(name=name, url=url, port=port, process=process, log=log, command=command, cwd=REPO_ROOT, env=env)


# The protocol every launch of the backend uses (app.core.http_protocol: request heads bounded while they arrive).
UVICORN_HTTP_PROTOCOL = "app.core.http_protocol:HeaderLimitedHttpToolsProtocol"


def start_backend_worker(
    *,
    name: str,
    database_url: str,
    auth_url: str,
    jwks_url: str,
    log_dir: Path,
    port: int | None = None,
    extra: dict[str, str] | None = None,
) -> Service:
    """Start one backend worker: its own uvicorn process, configured like production (not yet waited for)."""
    port = port or free_port()
    env = {
        **os.environ,
        # On PostgreSQL as the backend's own role, as deployed: it can only read the identity tables.
        "DATABASE_URL": as_backend(database_url) if database_url.startswith("postgres") else database_url,
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "ENVIRONMENT": "test",
        "AUTH_URL": auth_url,
        "JWKS_URL": jwks_url,
        "JWT_ISSUER": auth_url,
        "JWT_AUDIENCE": auth_url,
        "LOG_LEVEL": "INFO",
        **(extra or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_production_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--no-server-header",
        "--http",
        UVICORN_HTTP_PROTOCOL,
    ]
    log = log_dir / f"{name}.log"
    process = _spawn(command, cwd=BACKEND_DIR, env=env, log=log)
    return Service(
        name=name,
        url=f"http://127.0.0.1:{port}",
        port=port,
        process=process,
        log=log,
        command=command,
        cwd=BACKEND_DIR,
        env=env,
        health_path="/api/v1/health",
    )
