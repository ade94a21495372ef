"""Emptying a database between tests while an auth server keeps it open."""

import sqlite3

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Migration bookkeeping, and the auth server's signing keys (it caches them; its JWTs stay verifiable).
KEEP = frozenset(
    {"gatehouse_migrations", "backend_alembic_version", "kysely_migration", "kysely_migration_lock", "jwks"}
)


async def truncate_postgres(engine: AsyncEngine, *, keep: frozenset[str] = KEEP) -> None:
    """Empty every data table. DELETE with triggers and FK checks off (replica role) is several times faster
    than TRUNCATE on tables this small, and leaves the auth server's revocation triggers out of the clean-up."""
    async with engine.begin() as conn:
        names = (
            await conn.execute(text("select tablename from pg_tables where schemaname = current_schema()"))
        ).scalars()
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in names:
            if name not in keep:
                await conn.execute(text(f'DELETE FROM "{name}"'))


def truncate_sqlite(path: str, *, keep: frozenset[str] = KEEP) -> None:
    """Empty every data table of the SQLite file at `path`; the feed table last, after the rows its triggers add."""
    with sqlite3.connect(path, timeout=10) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        names = [row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")]
        names = [n for n in names if n not in keep and not n.startswith("sqlite_")]
        for name in sorted(names, key=lambda n: n == "auth_revocations"):
            conn.execute(f'DELETE FROM "{name}"')
