"""better-auth's own schema migrations for the package's tests: Gatehouse's (through the auth server) and stock
better-auth's. The PostgreSQL server and the other shared helpers are gatehouse_test_support's."""

from pathlib import Path

from gatehouse_test_support.processes import run_repo_command

SUPPORT = Path(__file__).resolve().parent


def stock_migrate(database_url: str, *, admin: bool = True) -> None:
    """Stock better-auth's schema (default names), from better-auth's own migrator (tests/support/stock_schema.mjs)."""
    command = ["node", str(SUPPORT / "stock_schema.mjs"), database_url, *([] if admin else ["--no-admin"])]
    run_repo_command(command, what="stock better-auth migration")
