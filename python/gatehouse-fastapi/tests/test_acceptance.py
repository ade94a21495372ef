"""Issue 13 acceptance 1 and 2: `uv build`, a fresh virtual environment with only the wheel (plus uvicorn), and the
example app's own test suite (examples/fastapi-app, standard-library unittest) against real auth servers:
Gatehouse's, and the stock better-auth server in bench/baseline/ (admin plugin on), on SQLite and PostgreSQL, the
stock one with the revocation feed installed by the wheel's `gatehouse-fastapi install-feed` and without it.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gatehouse_test_support.processes import REPO_ROOT, EmbeddedPostgres, free_port

PACKAGE = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "fastapi-app"
SECRET = "acceptance-secret-0123456789-abcdefghijklmnop"
# Nothing of the test runner's own environment may leak into the fresh one.
_LEAKY = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT"}
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in _LEAKY}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`uv build`: the wheel (and the sdist beside it)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        ["uv", "build", "--quiet", "--out-dir", str(out)], cwd=PACKAGE, env=CLEAN_ENV, check=True, timeout=300
    )
    assert len(list(out.glob("*.tar.gz"))) == 1
    (built,) = out.glob("gatehouse_fastapi-*.whl")
    return built


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the wheel (with its PostgreSQL extra) and uvicorn."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run(
        ["uv", "venv", "--quiet", "--python", sys.executable, str(root)], env=CLEAN_ENV, check=True, timeout=120
    )
    python = root / "bin" / "python"
    install = ["uv", "pip", "install", "--quiet", "--python", str(python), f"{wheel}[postgres]", "uvicorn"]
    subprocess.run(install, env=CLEAN_ENV, check=True, timeout=300)
    return root


def _start(kind: str, database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **CLEAN_ENV,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": SECRET,
        "BETTER_AUTH_URL": url,
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
        "EMAIL_TRANSPORT": "outbox",
        "BASELINE_ADMIN": "1",
    }
    command = (
        ["npx", "--no-install", "tsx", "src/index.ts"]
        if kind == "gatehouse"
        else ["npm", "run", "--silent", "baseline"]
    )
    cwd = REPO_ROOT / ("auth-server" if kind == "gatehouse" else "bench")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} auth server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"{kind} auth server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)  # its own process group (npm → node), started above
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    kind = request.param
    if kind == "sqlite":
        yield f"sqlite:{tmp_path / 'auth.db'}"
        return
    server: EmbeddedPostgres = request.getfixturevalue("postgres")
    name = f"acceptance_{time.monotonic_ns()}"
    url = asyncio.run(server.create_database(name))
    yield url
    asyncio.run(server.drop_database(name))


CASES = [
    pytest.param("gatehouse", "sqlite", "feed", id="gatehouse-sqlite"),
    pytest.param("gatehouse", "postgres", "feed", id="gatehouse-postgres"),
    pytest.param("stock", "sqlite", "feed", id="stock-sqlite-feed"),
    pytest.param("stock", "sqlite", "database", id="stock-sqlite-per-request"),
    pytest.param("stock", "postgres", "feed", id="stock-postgres-feed"),
    pytest.param("stock", "postgres", "database", id="stock-postgres-per-request"),
]


@pytest.mark.parametrize(("server", "database", "mode"), CASES, indirect=["database"])
def test_example_suite_passes_with_only_the_wheel(
    venv: Path, server: str, database: str, mode: str, tmp_path: Path
) -> None:
    process, url = _start(server, database, tmp_path / "auth-server.log")
    try:
        if server == "stock" and mode == "feed":
            cli = [str(venv / "bin" / "gatehouse-fastapi"), "install-feed", "--database-url", database]
            subprocess.run(cli, env=CLEAN_ENV, check=True, timeout=60)
        env = {**CLEAN_ENV, "AUTH_URL": url, "BETTER_AUTH_SECRET": SECRET, "DATABASE_URL": database}
        env["EXPECT_REVOCATION"] = mode
        run = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"],
            cwd=EXAMPLE,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr[-6000:]
        assert "skipped" not in run.stderr.splitlines()[-1], run.stderr[-2000:]
    finally:
        _stop(process)
