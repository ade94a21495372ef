"""Fixtures: real databases (SQLite files, an embedded PostgreSQL) with better-auth's schema in Gatehouse's layout
or stock better-auth's, a real JWKS server, and apps wired with `Gatehouse`.

Schemas always come from better-auth's own migrator (Gatehouse's auth server, or tests/support/stock_schema.mjs),
never from this package, so a mismatch with what better-auth creates fails here first. Each layout is migrated
once per run into a template; every test gets its own copy.
"""

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.processes import EmbeddedPostgres, migrate_auth_tables, start_embedded_postgres
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse_fastapi import Gatehouse, Schema, Tuning
from gatehouse_fastapi._database import create_engine
from tests.support.processes import stock_migrate
from tests.support.rows import TEST_SECRET, AuthRows

pytest_plugins = ("gatehouse_test_support.fixtures",)  # jwks_server, jwks

LAYOUTS = {"gatehouse": Schema.gatehouse(), "better-auth": Schema.better_auth(), "better-auth-core": Schema()}
"""`better-auth-core`: stock better-auth without the admin plugin (no role, ban or impersonation columns)."""

SQLITE_LAYOUTS = [pytest.param(("sqlite", layout), id=f"sqlite-{layout}") for layout in LAYOUTS]
ALL_DATABASES = [
    *SQLITE_LAYOUTS,
    pytest.param(("postgres", "gatehouse"), id="postgres-gatehouse"),
    pytest.param(("postgres", "better-auth"), id="postgres-better-auth"),
]
_names = itertools.count()


@dataclass
class TestDb:
    """One test's own database."""

    __test__ = False
    kind: str
    layout: str
    url: str
    schema: Schema
    engine: AsyncEngine
    rows: AuthRows


class Templates:
    """Migrated template databases, made on first use (one migration per layout and kind per run)."""

    def __init__(self, tmp: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
        self._tmp = tmp
        self._request = request
        self._made: dict[tuple[str, str], str] = {}

    @property
    def postgres(self) -> EmbeddedPostgres:
        server: EmbeddedPostgres = self._request.getfixturevalue("postgres")
        return server

    async def get(self, kind: str, layout: str) -> str:
        key = (kind, layout)
        if key not in self._made:
            if kind == "sqlite":
                url = f"sqlite:{self._tmp.mktemp(f'template-{layout}') / 'auth.db'}"
            else:
                url = await self.postgres.create_database(f"template_{layout.replace('-', '_')}")
            if layout == "gatehouse":
                migrate_auth_tables(url, TEST_SECRET)
            else:
                stock_migrate(url, admin=layout == "better-auth")
            self._made[key] = url
        return self._made[key]


@pytest.fixture(scope="session")
def postgres() -> Iterator[EmbeddedPostgres]:
    """A real PostgreSQL for the whole run, stopped (and its data deleted) afterwards."""
    server = start_embedded_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Templates:
    """Migrated templates, one per database kind and layout."""
    return Templates(tmp_path_factory, request)


@pytest_asyncio.fixture
async def make_db(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """`await make_db(kind, layout)` → a fresh `TestDb` (a copy of the migrated template), dropped after the test."""
    made: list[tuple[TestDb, str | None]] = []

    async def make(kind: str, layout: str) -> TestDb:
        template = await templates.get(kind, layout)
        name: str | None = None
        if kind == "sqlite":
            target = tmp_path_factory.mktemp("db") / "auth.db"
            shutil.copyfile(template.removeprefix("sqlite:"), target)
            url = f"sqlite:{target}"
        else:
            name = f"t{next(_names)}"
            url = await templates.postgres.create_database(name, template=template.rsplit("/", 1)[1])
        engine = create_engine(url)
        schema = LAYOUTS[layout]
        db = TestDb(kind, layout, url, schema, engine, AuthRows(engine, schema, admin=layout != "better-auth-core"))
        made.append((db, name))
        return db

    yield make
    for db, name in made:
        await db.engine.dispose()
        if name is not None:
            await templates.postgres.drop_database(name)


@pytest_asyncio.fixture
async def db(request: pytest.FixtureRequest, make_db: Any) -> TestDb:
    """This test's database: `("sqlite", "gatehouse")` unless parametrized (indirect) with another pair."""
    kind, layout = getattr(request, "param", ("sqlite", "gatehouse"))
    made: TestDb = await make_db(kind, layout)
    return made


def gatehouse_for(db: TestDb, jwks: JwksServer, **overrides: Any) -> Gatehouse:
    """A `Gatehouse` on the test's database and JWKS server (its own engine, from the URL)."""
    options: dict[str, Any] = {
        "auth_url": jwks.base_url,
        "secret": TEST_SECRET,
        "database_url": db.url,
        "tuning": Tuning(jwks_timeout_seconds=1.0, feed_max_staleness_seconds=2.0),
    }
    options.update(overrides)
    return Gatehouse(**options)


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Any]:
    """`await serve(app)` → an httpx client talking to `app` in-process with its lifespan running."""
    stack: list[Any] = []

    async def start(app: FastAPI) -> httpx.AsyncClient:
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        stack.append((lifespan, client))
        return client

    yield start
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
