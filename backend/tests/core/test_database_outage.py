"""Issue 12 item 12: while the database cannot serve, every database-backed route answers 503
`DATABASE_UNAVAILABLE` with `Retry-After` (never 500), and service resumes by itself once it is back.

PostgreSQL: the app reaches the server through a TCP proxy that the test cuts (connections dropped, new ones
refused) and restores. SQLite: another process holds the write lock past the busy timeout.
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from gatehouse_fastapi import current_principal
from gatehouse_fastapi._database import DatabaseUnavailableError, is_database_unavailable
from gatehouse_test_support.waiting import eventually
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import get_database, get_db
from app.core.config import Settings
from app.core.db import Database
from app.core.reads import ReadConnectionBrokenError
from app.main import create_app
from tests.utils.cleanup import truncate_postgres
from tests.utils.factories import Actor, make_actor, make_session, make_task
from tests.utils.tcp_proxy import TcpProxy

Outage = Callable[[], AbstractAsyncContextManager[None]]

# Valid bodies, so that nothing but the database can be the reason for an answer.
BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/v1/tasks"): {"title": "during the outage"},
    ("PUT", "/api/v1/tasks/{task_id}"): {"title": "replaced", "completed": True},
    ("PATCH", "/api/v1/tasks/{task_id}"): {"completed": True},
    ("PATCH", "/api/v1/users/{user_id}"): {"name": "Renamed"},
    ("PUT", "/api/v1/users/{user_id}/role"): {"role": "user"},
    ("POST", "/api/v1/users/{user_id}/ban"): {"reason": "outage"},
}
# SQLite keeps serving reads while another process holds its write lock: there, the backend's own writes.
SQLITE_WRITES = [("POST", "/api/v1/tasks"), ("PUT", "/api/v1/tasks/{task_id}"), ("PATCH", "/api/v1/tasks/{task_id}")]


def _calls(dependant: Dependant) -> set[object]:
    found: set[object] = set()
    for dependency in dependant.dependencies:
        found.add(dependency.call)
        found |= _calls(dependency)
    return found


def database_backed_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) that opens a database session or checks a credential (which may need the database)."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and _calls(route.dependant) & {
            get_db,
            get_database,
            current_principal,
        }:
            found += [(method, str(route.path_format)) for method in sorted(route.methods or ())]
    return found


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        yield application, http


@pytest.fixture
async def outage_app(
    settings: Settings, db_kind: str, owner_database: Database
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Outage]]:
    """The app, and a context manager during which its database is unavailable."""
    if db_kind == "postgres":
        target = urlsplit(settings.database_url)
        proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
        proxied = settings.database_url.replace(f":{target.port}/", f":{proxy.port}/", 1)

        @asynccontextmanager
        async def cut() -> AsyncIterator[None]:
            await proxy.cut()
            try:
                yield
            finally:
                await proxy.restore()

        try:
            async with running(settings.model_copy(update={"database_url": proxied})) as (application, http):
                await truncate_postgres(owner_database.engine)
                yield application, http, cut
        finally:
            await proxy.stop()
        return

    path = settings.database_url.removeprefix("sqlite:")

    @asynccontextmanager
    async def locked() -> AsyncIterator[None]:
        # Another process's writer (e.g. the auth server in a long transaction) holds the write lock.
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    async with running(settings.model_copy(update={"sqlite_busy_timeout_ms": 200})) as (application, http):
        yield application, http, locked


async def test_database_outage_answers_503_with_retry_after_then_recovers(
    outage_app: tuple[FastAPI, httpx.AsyncClient, Outage], db_kind: str, owner_database: Database
) -> None:
    application, http, outage = outage_app
    async with owner_database.sessionmaker() as db:  # arranged as the auth server would (the owner)
        actor = await make_actor(db, role="admin")
        other = await make_actor(db)
        task = await make_task(db, actor.user)
        fresh = Actor(actor.user, await make_session(db, actor.user))  # never seen by this worker yet
    routes = database_backed_routes(application) if db_kind == "postgres" else SQLITE_WRITES
    assert len(routes) > 15 or db_kind == "sqlite"

    def request(method: str, path: str) -> Awaitable[httpx.Response]:
        url = path.format(task_id=task.id, user_id=other.user.id, session_id=other.session.id)
        return http.request(method, url, json=BODIES.get((method, path)), headers=actor.bearer())

    async with outage():
        for method, path in routes:
            response = await request(method, path)
            assert response.status_code == 503, (method, path, response.status_code, response.text)
            assert response.json()["code"] == "DATABASE_UNAVAILABLE", (method, path)
            assert int(response.headers["retry-after"]) > 0, (method, path)
        if db_kind == "postgres":  # a credential the database must check is neither accepted nor refused
            response = await http.get("/api/v1/auth/me", headers=fresh.bearer())
            assert (response.status_code, response.json()["code"]) == (503, "DATABASE_UNAVAILABLE")

    async def serving() -> bool:
        return (await http.get("/api/v1/tasks", headers=actor.bearer())).status_code == 200

    await eventually(serving, within=10.0, step=0.05)
    assert (await http.get("/api/v1/auth/me", headers=fresh.bearer())).status_code == 200
    for method, path in [(m, p) for m, p in routes if m == "GET"] + SQLITE_WRITES:
        response = await request(method, path)
        assert response.status_code < 500, (method, path, response.status_code, response.text)


async def test_a_database_that_stops_answering_is_a_503_not_a_hang(
    settings: Settings, db_kind: str, owner_database: Database
) -> None:
    """A PostgreSQL server that hangs, or a network gone silent, fails nothing by itself (no reset, no refusal)
    until TCP gives up, many minutes later: each request answers 503 `DATABASE_UNAVAILABLE` with `Retry-After`
    once `DATABASE_STATEMENT_TIMEOUT_SECONDS` (+ 2 s on the client) has passed, through each way the backend
    reads — the ORM session, the task list's direct driver call, the credential check — and service resumes by
    itself afterwards."""
    if db_kind != "postgres":
        pytest.skip("SQLite has no server to stall (a lock wait is bounded by the busy timeout)")
    target = urlsplit(settings.database_url)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    proxied = settings.database_url.replace(f":{target.port}/", f":{proxy.port}/", 1)
    limited = settings.model_copy(update={"database_url": proxied, "database_statement_timeout_seconds": 1})
    try:
        async with running(limited) as (_application, http):
            await truncate_postgres(owner_database.engine)
            async with owner_database.sessionmaker() as db:
                actor = await make_actor(db)
                fresh = Actor(actor.user, await make_session(db, actor.user))  # never seen by this worker yet
            # Pooled connections are open, so the requests below meet a silent server mid-statement.
            for path in ("/api/v1/tasks", "/api/v1/auth/session"):
                assert (await http.get(path, headers=actor.bearer())).status_code == 200
            requests = [
                ("GET", "/api/v1/tasks", actor.bearer(), None),
                ("GET", "/api/v1/auth/session", actor.bearer(), None),
                ("POST", "/api/v1/tasks", actor.bearer(), {"title": "during the stall"}),
                ("GET", "/api/v1/auth/me", fresh.bearer(), None),
            ]
            proxy.stall()
            try:
                answers = await asyncio.wait_for(
                    asyncio.gather(*(http.request(m, p, headers=h, json=b) for m, p, h, b in requests)), timeout=30.0
                )
            finally:
                proxy.resume()
            for (method, path, _h, _b), response in zip(requests, answers, strict=True):
                assert response.status_code == 503, (method, path, response.status_code, response.text)
                assert response.json()["code"] == "DATABASE_UNAVAILABLE", (method, path)
                assert int(response.headers["retry-after"]) > 0, (method, path)

            async def serving() -> bool:
                ok = (await http.get("/api/v1/auth/session", headers=actor.bearer())).status_code == 200
                return ok and (await http.get("/api/v1/tasks", headers=actor.bearer())).status_code == 200

            await eventually(serving, within=15.0, step=0.1)
            assert (await http.get("/api/v1/auth/me", headers=fresh.bearer())).status_code == 200
    finally:
        await proxy.stop()


async def test_a_statement_timeout_set_on_the_role_is_a_503_on_a_connection_that_stays_usable(
    settings: Settings, db_kind: str, owner_database: Database
) -> None:
    """An operator may set PostgreSQL's own `statement_timeout` (on the role: the services send no startup parameter,
    which PgBouncer refuses); its SQLSTATE 57014 counts as the database being unavailable (503), and the connection
    stays usable."""
    if db_kind != "postgres":
        pytest.skip("PostgreSQL's statement_timeout")
    async with owner_database.engine.connect() as conn:
        await conn.execute(text("SET statement_timeout = 200"))  # as ALTER ROLE ... SET would, for this session
        with pytest.raises(DBAPIError) as failure:
            await conn.execute(text("SELECT pg_sleep(5)"))
        assert getattr(failure.value.orig, "sqlstate", None) == "57014", repr(failure.value)  # query_canceled
        assert is_database_unavailable(failure.value), repr(failure.value)
        await conn.rollback()
        await conn.execute(text("RESET statement_timeout"))
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


@pytest.mark.parametrize("limit", [0, 60])
async def test_every_engine_of_a_worker_keeps_to_the_setting_and_sends_no_startup_parameter(
    settings: Settings, db_kind: str, limit: int
) -> None:
    """The request engine and the revocation feed's own both wait `DATABASE_STATEMENT_TIMEOUT_SECONDS` (0: no
    limit), on the client: no `statement_timeout` startup parameter, which a transaction pooler (PgBouncer) refuses."""
    if db_kind != "postgres":
        pytest.skip("asyncpg's command_timeout")
    from gatehouse_fastapi._database import copy_engine

    from app.core.db import create_engine

    engine = create_engine(settings.model_copy(update={"database_statement_timeout_seconds": limit}))
    feed = copy_engine(engine, statement_timeout_seconds=limit)
    try:
        for each in (engine, feed):
            async with each.connect() as conn:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                assert driver._config.command_timeout == (limit or None)
                assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "0"
    finally:
        await engine.dispose()
        await feed.dispose()


async def test_a_statement_the_client_gave_up_on_is_unavailability_and_its_connection_is_discarded(
    settings: Settings, db_kind: str
) -> None:
    """The client's limit (asyncpg's `command_timeout`) raises the builtin TimeoutError, which SQLAlchemy passes on
    unwrapped; it is named `DatabaseUnavailableError` (503, not 500) and the connection, still owed that statement's
    answer, is closed at once and discarded."""
    if db_kind != "postgres":
        pytest.skip("SQLite has no server to stall")
    from app.core.db import create_engine

    target = urlsplit(settings.database_url)
    proxy = await TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    proxied = settings.database_url.replace(f":{target.port}/", f":{proxy.port}/", 1)
    database = Database(
        create_engine(settings.model_copy(update={"database_url": proxied, "database_statement_timeout_seconds": 1}))
    )
    try:
        async with database.engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
            proxy.stall()
            try:
                with pytest.raises(DatabaseUnavailableError) as failure:
                    await asyncio.wait_for(conn.execute(text("SELECT 2")), timeout=20.0)
            finally:
                proxy.resume()
            assert isinstance(failure.value.__cause__, TimeoutError)
            assert conn.invalidated
        async with database.engine.connect() as conn:
            assert (await conn.execute(text("SELECT 3"))).scalar() == 3
    finally:
        await database.dispose()
        await proxy.stop()


async def test_a_statement_the_client_gave_up_on_is_cancelled_on_the_server(
    settings: Settings, db_kind: str, owner_database: Database
) -> None:
    """Past the limit the server is asked to cancel the statement (asyncpg's cancel request, sent before the
    connection is closed): a write blocked on a lock must not land after its request was answered 503, and no
    backend is left waiting for the lock. Here through the task list's direct driver call, the path SQLAlchemy's
    transaction would not roll back."""
    if db_kind != "postgres":
        pytest.skip("PostgreSQL's cancel request")
    from app.core.db import create_engine

    async with owner_database.sessionmaker() as db:
        actor = await make_actor(db)
        task = await make_task(db, actor.user, title="before")
    database = Database(create_engine(settings.model_copy(update={"database_statement_timeout_seconds": 1})))
    try:
        async with owner_database.engine.connect() as blocker:
            await blocker.execute(text("SELECT id FROM tasks WHERE id = :id FOR UPDATE"), {"id": task.id})
            with pytest.raises(DatabaseUnavailableError):
                await asyncio.wait_for(
                    database.reader.fetch("UPDATE tasks SET title = 'late' WHERE id = $1 RETURNING id", [task.id]),
                    timeout=20.0,
                )

            async def nothing_waits() -> bool:
                async with owner_database.engine.connect() as probe:
                    found = await probe.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE 'UPDATE tasks SET title = ''late''%'"
                        )
                    )
                    return found.scalar() == 0

            await eventually(nothing_waits, within=10.0, step=0.1)
            await blocker.commit()
        async with owner_database.engine.connect() as conn:
            title = (await conn.execute(text("SELECT title FROM tasks WHERE id = :id"), {"id": task.id})).scalar()
        assert title == "before"
    finally:
        await database.dispose()


async def test_unrelated_database_errors_stay_500(app: FastAPI, db: AsyncSession) -> None:
    """Only unavailability is a 503: a bug (here, SQL against a missing table) is still a 500 for the logs."""

    @app.get("/api/v1/test-only/bad-sql")
    async def bad_sql() -> None:
        async with app.state.db.sessionmaker() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/test-only/bad-sql")
    assert (response.status_code, response.json()["code"]) == (500, "INTERNAL_ERROR")


async def test_connection_the_server_closed_is_replaced_without_a_failed_request(
    app: FastAPI, client: httpx.AsyncClient, alice: Actor, db_kind: str, owner_database: Database
) -> None:
    """No ping per checkout: a pooled connection the server has closed (a restart, an administrator's
    pg_terminate_backend) is known closed to asyncpg, replaced at checkout, and the next request succeeds."""
    if db_kind != "postgres":
        pytest.skip("SQLite has no server to close a connection")
    assert (await client.get("/api/v1/tasks", headers=alice.bearer())).status_code == 200
    async with app.state.db.engine.connect() as conn:
        pooled = (await conn.get_raw_connection()).driver_connection
        pid = pooled.get_server_pid()
    async with owner_database.engine.connect() as owner:
        await owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await eventually(pooled.is_closed, within=5.0)
    for _ in range(3):
        response = await client.get("/api/v1/tasks", headers=alice.bearer())
        assert response.status_code == 200, response.text


async def test_a_read_whose_connection_dies_mid_statement_is_a_503_and_the_connection_is_replaced(
    app: FastAPI, db_kind: str, owner_database: Database
) -> None:
    """The hot reads call asyncpg directly (app/core/reads.py): a connection the server terminates while a statement
    runs is classified as the database being unavailable (503, not 500) and discarded from the pool, so the next
    read on that pool succeeds instead of meeting a connection left in a broken state."""
    if db_kind != "postgres":
        pytest.skip("SQLite has no server to close a connection")
    reader = app.state.db.reader
    slow = asyncio.create_task(reader.fetch("SELECT pg_sleep(30), 'gatehouse-read-under-test'", []))

    async def running_pid() -> int | None:
        async with owner_database.engine.connect() as owner:
            return (
                await owner.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE state = 'active' "
                        "AND query LIKE '%gatehouse-read-under-test%' AND pid <> pg_backend_pid()"
                    )
                )
            ).scalar()

    async def statement_running() -> bool:
        return await running_pid() is not None

    await eventually(statement_running, within=10.0)
    pid = await running_pid()
    async with owner_database.engine.connect() as owner:
        await owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(ReadConnectionBrokenError) as refused:
        await asyncio.wait_for(slow, timeout=10.0)
    assert is_database_unavailable(refused.value), repr(refused.value)
    for _ in range(3):
        assert [tuple(row) for row in await reader.fetch("SELECT 1", [])] == [(1,)]


def test_which_driver_errors_mean_the_connection_itself_is_broken() -> None:
    """The errors a direct asyncpg call raises when its connection is unusable — including the protocol-state error
    seen when connections were terminated under concurrent reads ("cannot switch to state 12; another operation (2)
    is in progress") — are told apart from a statement failing on a healthy connection."""
    import asyncpg
    from asyncpg.exceptions._base import InternalClientError

    from app.core.reads import _connection_broken

    assert _connection_broken(InternalClientError("cannot switch to state 12; another operation (2) is in progress"))
    assert _connection_broken(asyncpg.InterfaceError("cannot perform operation: another operation is in progress"))
    assert _connection_broken(asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"))
    assert _connection_broken(ConnectionResetError())
    assert _connection_broken(asyncpg.AdminShutdownError("terminating connection due to administrator command"))
    assert not _connection_broken(asyncpg.UndefinedTableError('relation "x" does not exist'))
    assert not _connection_broken(asyncpg.UniqueViolationError("duplicate key"))
