"""Issue 11, acceptance 3: on PostgreSQL the backend connects with a role that can read the identity tables and
write only its own (deploy/postgres/backend-grants.sql, applied by the suite to every database it creates, as
docker-compose applies it). Every app the suite runs connects as that role, so any INSERT, UPDATE or DELETE the
backend issued on an identity table would fail the suite; this file shows the role itself."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from tests.utils.factories import Actor, make_task
from tests.utils.pg_roles import BACKEND_ROLE

IDENTITY_TABLES = [
    "users",
    "user_sessions",
    "accounts",
    "verifications",
    "auth_jwks",
    "auth_events",
    "auth_revocations",
]
WRITES = {
    "INSERT": 'INSERT INTO "{table}" DEFAULT VALUES',
    "UPDATE": 'UPDATE "{table}" SET id = id',
    "DELETE": 'DELETE FROM "{table}"',
    "TRUNCATE": 'TRUNCATE "{table}"',
}


@pytest.fixture
async def as_backend(db_kind: str, settings: Settings, app: FastAPI) -> AsyncIterator[asyncpg.Connection]:
    """A connection exactly as the app under test makes them (its DATABASE_URL)."""
    if db_kind != "postgres":
        pytest.skip("SQLite has no roles: one file, one writer at a time (the auth server writes identity)")
    conn = await asyncpg.connect(settings.database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def test_the_app_under_test_connects_as_the_backend_role(as_backend: asyncpg.Connection) -> None:
    assert await as_backend.fetchval("select current_user") == BACKEND_ROLE
    assert not await as_backend.fetchval("select rolsuper from pg_roles where rolname = current_user")


@pytest.mark.parametrize("table", IDENTITY_TABLES)
async def test_backend_role_reads_identity_tables(as_backend: asyncpg.Connection, table: str, alice: Actor) -> None:
    await as_backend.fetch(f'SELECT * FROM "{table}" LIMIT 1')


@pytest.mark.parametrize("table", IDENTITY_TABLES)
@pytest.mark.parametrize("write", sorted(WRITES))
async def test_backend_role_cannot_write_identity_tables(
    as_backend: asyncpg.Connection, table: str, write: str, alice: Actor
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await as_backend.execute(WRITES[write].format(table=table))


async def test_backend_role_has_no_write_privilege_on_any_table_it_does_not_own(
    as_backend: asyncpg.Connection,
) -> None:
    """Whatever tables the auth server's migrations add, the backend only reads (and references) them."""
    rows = await as_backend.fetch(
        """select c.relname,
                  has_table_privilege(current_user, c.oid, 'INSERT') as ins,
                  has_table_privilege(current_user, c.oid, 'UPDATE') as upd,
                  has_table_privilege(current_user, c.oid, 'DELETE') as del,
                  has_table_privilege(current_user, c.oid, 'TRUNCATE') as trunc,
                  pg_get_userbyid(c.relowner) = current_user as own
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = current_schema() and c.relkind in ('r', 'p')"""
    )
    owned = {row["relname"] for row in rows if row["own"]}
    writable = {row["relname"] for row in rows if not row["own"] and (row["ins"] or row["upd"] or row["del"])}
    assert owned == {"tasks", "backend_alembic_version"}
    assert writable == set()
    assert set(IDENTITY_TABLES) <= {row["relname"] for row in rows if not row["own"]}


async def test_backend_role_writes_its_own_tables_and_the_auth_server_deletes_cascade(
    as_backend: asyncpg.Connection, db: AsyncSession, alice: Actor
) -> None:
    task = await make_task(db, alice.user)  # arranged as the owner; now the backend's own writes:
    await as_backend.execute("UPDATE tasks SET title = 'renamed by the backend' WHERE id = $1", task.id)
    assert await as_backend.fetchval("SELECT title FROM tasks WHERE id = $1", task.id) == "renamed by the backend"
    # The auth server (the owner) deletes the user: the foreign key removes the backend's rows with it.
    await db.execute(text("DELETE FROM users WHERE id = :id"), {"id": alice.user.id})
    await db.commit()
    assert await as_backend.fetchval("SELECT count(*) FROM tasks WHERE user_id = $1", alice.user.id) == 0
