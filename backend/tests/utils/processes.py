"""Real helper processes the backend's tests need beyond gatehouse_test_support: redis-server and the auth
server's build."""

import fcntl
import socket
import subprocess
import time
from dataclasses import dataclass

from gatehouse_test_support.processes import REPO_ROOT, free_port, run_repo_command, terminate

_auth_server_built = False


@dataclass
class RedisServer:
    """A running redis-server (Debian's, installed by scripts/ensure-redis.sh) without persistence."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL after 10 s."""
        terminate(self.process)


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
        build = ["npm", "run", "--silent", "build", "-w", "auth-server"]
        run_repo_command(build, what="auth server build", timeout=300)
    _auth_server_built = True
