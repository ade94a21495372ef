"""better-auth's own schema migrations for the package's tests: Gatehouse's (through the auth server) and stock
better-auth's. The PostgreSQL server and the other shared helpers are gatehouse_test_support's."""

import os
import subprocess
from pathlib import Path

from gatehouse_test_support.processes import REPO_ROOT

SUPPORT = Path(__file__).resolve().parent


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        command, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def stock_migrate(database_url: str, *, admin: bool = True) -> None:
    """Stock better-auth's schema (default names), from better-auth's own migrator (tests/support/stock_schema.mjs)."""
    _run(["node", str(SUPPORT / "stock_schema.mjs"), database_url, *([] if admin else ["--no-admin"])], {})
