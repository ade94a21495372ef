"""`python -m app.core.migrate`: wait for the auth server's schema, then apply the backend's migrations.

`tasks.user_id` references `users`, which the auth server creates when it starts; in `make dev` both start
together, so the backend waits (bounded) instead of failing on a missing table.
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from app.core.config import DatabaseSettings
from app.core.db import create_engine

BACKEND_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    """Alembic config for `database_url` (an auth-server style URL), quiet about logging setup."""
    config = Config(str(BACKEND_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logging"] = False
    return config


async def _has_users_table(database_url: str) -> bool:
    engine = create_engine(DatabaseSettings(database_url=database_url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync_conn: inspect(sync_conn).has_table("users"))
    except Exception:  # not reachable yet counts as "not there yet"
        return False
    finally:
        await engine.dispose()


def wait_for_auth_schema(database_url: str, *, timeout_seconds: float) -> bool:
    """Poll until the `users` table exists; False when it did not appear in time."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        if asyncio.run(_has_users_table(database_url)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    """Wait for the auth schema, then `alembic upgrade head`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the auth tables")
    args = parser.parse_args(argv)
    database_url = DatabaseSettings().database_url
    if not wait_for_auth_schema(database_url, timeout_seconds=args.wait):
        print("backend: the auth server's tables did not appear; start the auth server first", file=sys.stderr)
        return 1
    command.upgrade(alembic_config(database_url), "head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
