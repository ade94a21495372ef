"""Fixtures shared by every suite.

The database under test is chosen with `--db` or GATEHOUSE_TEST_DB (`sqlite` | `postgres`); PostgreSQL is
a real server (scripts/embedded-pg.mjs), started once per run. The auth tables always come from the auth
server's own migration CLI, never from our models, so a schema drift fails here first.
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import alembic_config
from app.main import create_app
from tests.utils.factories import TEST_SECRET, Actor, make_actor
from tests.utils.jwks_server import JwksServer
from tests.utils.processes import EmbeddedPostgres, run_auth_migrations, start_embedded_postgres

_BOOKKEEPING = ("gatehouse_migrations", "backend_alembic_version", "kysely_migration", "kysely_migration_lock")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        default=os.environ.get("GATEHOUSE_TEST_DB", "sqlite"),
        help="database the suite runs against (env GATEHOUSE_TEST_DB)",
    )


@pytest.fixture(scope="session")
def db_kind(pytestconfig: pytest.Config) -> str:
    """`sqlite` or `postgres`."""
    kind: str = pytestconfig.getoption("--db")
    return kind


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    """A real PostgreSQL server for the whole run, stopped (and its data deleted) afterwards."""
    server = start_embedded_postgres()
    try:
        yield server
    finally:
        server.stop()


def migrate_fresh_database(database_url: str) -> None:
    """Auth tables from the auth server's migration, then the backend's Alembic migrations."""
    run_auth_migrations(database_url, TEST_SECRET)
    command.upgrade(alembic_config(database_url), "head")


@pytest.fixture(scope="session")
def fresh_database_url(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    """A factory: `fresh_database_url(name)` → URL of a new, empty database of the kind under test."""

    def make(name: str) -> str:
        if db_kind == "sqlite":
            return f"sqlite:{tmp_path_factory.mktemp(name) / 'gatehouse.db'}"
        server: EmbeddedPostgres = request.getfixturevalue("postgres")
        return asyncio.run(server.create_database(name))

    return make


@pytest.fixture(scope="session")
def migrated_url(fresh_database_url: Callable[[str], str]) -> str:
    """A database with every migration applied; SQLite copies it per test, PostgreSQL truncates it."""
    url = fresh_database_url("gatehouse_template")
    migrate_fresh_database(url)
    return url


@pytest.fixture
def database_url(db_kind: str, migrated_url: str, tmp_path: Path) -> str:
    """This test's own database (a copy of the migrated template on SQLite)."""
    if db_kind == "postgres":
        return migrated_url
    target = tmp_path / "gatehouse.db"
    shutil.copyfile(migrated_url.removeprefix("sqlite:"), target)
    return f"sqlite:{target}"


@pytest.fixture(scope="session")
def jwks_server() -> Iterator[JwksServer]:
    """The stand-in JWKS endpoint (a real HTTP server on 127.0.0.1)."""
    server = JwksServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jwks(jwks_server: JwksServer) -> JwksServer:
    """The JWKS server, reset to one key, up, zero fetches."""
    jwks_server.reset()
    return jwks_server


@pytest.fixture
def settings(database_url: str, jwks: JwksServer) -> Settings:
    """Settings pointing at this test's database and the JWKS server (nothing read from .env)."""
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        better_auth_secret=TEST_SECRET,
        auth_url=jwks.base_url,
        jwks_timeout_seconds=1.0,
        database_connect_timeout_seconds=2.0,
    )


async def truncate_all(database: Database) -> None:
    """Empty every data table (PostgreSQL), keeping migration bookkeeping.

    DELETE with triggers and FK checks off (replica role) is several times faster than TRUNCATE on tables
    this small, and leaves the auth server's revocation triggers out of the clean-up.
    """
    async with database.engine.begin() as conn:
        names = (
            await conn.execute(text("select tablename from pg_tables where schemaname = current_schema()"))
        ).scalars()
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for name in names:
            if name not in _BOOKKEEPING:
                await conn.execute(text(f'DELETE FROM "{name}"'))


@pytest_asyncio.fixture
async def app(settings: Settings, db_kind: str) -> AsyncIterator[FastAPI]:
    """The application with its lifespan running, on an empty migrated database."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if db_kind == "postgres":
            await truncate_all(application.state.db)
        yield application


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest_asyncio.fixture
async def db(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A database session on the app's engine, for arranging and asserting."""
    database: Database = app.state.db
    async with database.sessionmaker() as session:
        yield session


@pytest_asyncio.fixture
async def alice(db: AsyncSession) -> Actor:
    """A verified user with a live session."""
    return await make_actor(db, name="Alice", email="alice@example.com")


@pytest_asyncio.fixture
async def bob(db: AsyncSession) -> Actor:
    """Another verified user with a live session."""
    return await make_actor(db, name="Bob", email="bob@example.com")


@pytest_asyncio.fixture
async def admin(db: AsyncSession) -> Actor:
    """An admin with a live session."""
    return await make_actor(db, name="Ada Admin", email="admin@example.com", role="admin")
