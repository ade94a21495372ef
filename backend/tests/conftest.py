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
from fastapi import FastAPI
from gatehouse_test_support.jwks import JWKS_PATH, JwksServer
from gatehouse_test_support.processes import EmbeddedPostgres, migrate_auth_tables, start_embedded_postgres
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import DatabaseSettings, Settings
from app.core.db import Database, create_engine
from app.main import create_app
from tests.utils.cleanup import truncate_postgres, truncate_sqlite
from tests.utils.factories import TEST_SECRET, Actor, make_actor
from tests.utils.pg_roles import backend_url, grant_backend_role, migrate_backend
from tests.utils.processes import build_auth_server
from tests.utils.services import Service, start_auth_server

pytest_plugins = ("gatehouse_test_support.fixtures",)  # jwks_server, jwks


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
    migrate_auth_tables(database_url, TEST_SECRET)
    migrate_backend(database_url)


@pytest.fixture(scope="session")
def fresh_database_url(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    """A factory: `fresh_database_url(name)` → URL (the owner's) of a new, empty database of the kind under test.
    On PostgreSQL the backend's role gets its grants first (deploy/postgres/backend-grants.sql), as in deployment:
    before the auth server creates its tables."""

    def make(name: str) -> str:
        if db_kind == "sqlite":
            return f"sqlite:{tmp_path_factory.mktemp(name) / 'gatehouse.db'}"
        server: EmbeddedPostgres = request.getfixturevalue("postgres")
        url = asyncio.run(server.create_database(name))
        asyncio.run(grant_backend_role(url))
        return url

    return make


@pytest.fixture(scope="session")
def migrated_url(fresh_database_url: Callable[[str], str]) -> str:
    """A database with every migration applied; SQLite copies it per test, PostgreSQL truncates it."""
    url = fresh_database_url("gatehouse_template")
    migrate_fresh_database(url)
    return url


@pytest.fixture
def database_url(db_kind: str, migrated_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """This test's own database (a copy of the migrated template on SQLite); for `auth_server` tests, the auth
    server's database, emptied first."""
    if uses_auth_server(request):
        url = str(request.getfixturevalue("identity_server").env["DATABASE_URL"])
        if db_kind == "sqlite":
            truncate_sqlite(url.removeprefix("sqlite:"))
        return url
    if db_kind == "postgres":
        return migrated_url
    target = tmp_path / "gatehouse.db"
    shutil.copyfile(migrated_url.removeprefix("sqlite:"), target)
    return f"sqlite:{target}"


@pytest.fixture
def settings(database_url: str, jwks: JwksServer, request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at this test's database and the JWKS server (nothing read from .env). Identity changes
    go to the real auth server in `auth_server` tests, nowhere otherwise (the stand-in answers 404)."""
    auth_url = request.getfixturevalue("identity_server").url if uses_auth_server(request) else jwks.base_url
    return Settings(
        _env_file=None,
        environment="test",
        database_url=backend_url(database_url),
        better_auth_secret=TEST_SECRET,
        auth_url=auth_url,
        jwks_url=jwks.base_url + JWKS_PATH,
        jwt_issuer=jwks.base_url,
        jwt_audience=jwks.base_url,
        jwks_timeout_seconds=1.0,
        database_connect_timeout_seconds=2.0,
    )


async def truncate_all(database: Database) -> None:
    """Empty every data table (PostgreSQL), keeping migration bookkeeping and signing keys."""
    await truncate_postgres(database.engine)


@pytest.fixture(scope="session")
def identity_server(
    fresh_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """The real auth server for `@pytest.mark.auth_server` tests: the app under test makes its identity changes
    through it, on the database they share (its own, emptied before each such test)."""
    build_auth_server()
    database_url = fresh_database_url("gatehouse_identity")
    service = start_auth_server(
        name="identity", database_url=database_url, log_dir=tmp_path_factory.mktemp("identity-server")
    )
    try:
        service.wait_healthy()
        migrate_backend(database_url)
        yield service
    finally:
        service.stop()


def uses_auth_server(request: pytest.FixtureRequest) -> bool:
    """Whether the test is marked `auth_server`."""
    return request.node.get_closest_marker("auth_server") is not None


@pytest_asyncio.fixture
async def app(settings: Settings, db_kind: str, owner_database: Database) -> AsyncIterator[FastAPI]:
    """The application with its lifespan running, on an empty migrated database."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if db_kind == "postgres":
            await truncate_all(owner_database)
        yield application


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest_asyncio.fixture
async def owner_database(database_url: str) -> AsyncIterator[Database]:
    """The test's database as its owner (the auth server's role) sees it: arranging identity rows is the auth
    server's part, which the backend's own role could not do."""
    database = Database(create_engine(DatabaseSettings(_env_file=None, database_url=database_url)))
    try:
        yield database
    finally:
        await database.dispose()


@pytest_asyncio.fixture
async def db(app: FastAPI, owner_database: Database) -> AsyncIterator[AsyncSession]:
    """A database session as the owner, for arranging and asserting (after the app started)."""
    async with owner_database.sessionmaker() as session:
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
