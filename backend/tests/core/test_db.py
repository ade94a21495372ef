"""DATABASE_URL translation and the SQLite connection settings both services rely on."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from gatehouse_fastapi._database import is_database_unavailable
from sqlalchemy import event, text

from app.core.config import DatabaseSettings
from app.core.db import Database, create_engine, to_async_url
from app.core.reads import _connection_broken

ROOT = Path("/repo")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:./data/gatehouse.db", "sqlite+aiosqlite:////repo/data/gatehouse.db"),
        ("sqlite:data/x.db", "sqlite+aiosqlite:////repo/data/x.db"),
        ("sqlite:/abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("sqlite:///abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("file:./x.db", "sqlite+aiosqlite:////repo/x.db"),
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u:p@h/db?sslmode=require", "postgresql+asyncpg://u:p@h/db?ssl=require"),
    ],
)
def test_to_async_url_translates(url: str, expected: str) -> None:
    assert to_async_url(url, root=ROOT) == expected


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite::memory:", "sqlite:"])
def test_to_async_url_refuses(url: str) -> None:
    with pytest.raises(ValueError, match=r"unsupported|in-memory"):
        to_async_url(url, root=ROOT)


async def test_sqlite_engine_uses_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    settings = DatabaseSettings(
        _env_file=None, database_url=f"sqlite:{tmp_path}/sub/dir/g.db", sqlite_busy_timeout_ms=1234
    )
    database = Database(create_engine(settings))
    try:
        async with database.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 1234
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        await database.ping()
        assert database.dialect == "sqlite"
        async for session in database.session():
            assert (await session.execute(text("select 1"))).scalar() == 1
    finally:
        await database.dispose()
    assert (tmp_path / "sub" / "dir" / "g.db").exists()


async def test_postgres_pool_keeps_its_connections_under_concurrency(database_url: str, db_kind: str) -> None:
    # SQLAlchemy's default pool opened up to 10 extra connections past the fifth concurrent checkout and closed each
    # on return: under load every request paid a connect and a SCRAM handshake. Now the pool holds
    # `database_pool_size` and a busy checkout waits for one of them.
    if db_kind != "postgres":
        pytest.skip("SQLite connections are files: nothing to handshake")
    settings = DatabaseSettings(_env_file=None, database_url=database_url, database_pool_size=3)
    database = Database(create_engine(settings))
    opened: list[object] = []

    def count(_dbapi_conn: Any, _record: Any) -> None:
        opened.append(_record)

    event.listen(database.engine.sync_engine, "connect", count)
    sleep = "select 1 from pg_sleep(0.005)"

    async def through_a_session() -> Any:
        async with database.sessionmaker() as session:
            return (await session.execute(text(sleep))).scalar()

    try:
        for _ in range(3):  # steady load, not one burst
            answers = await asyncio.gather(
                *(database.reader.fetch(sleep, []) for _ in range(20)), *(through_a_session() for _ in range(20))
            )
            assert len(answers) == 40
        assert len(opened) == 3
    finally:
        await database.dispose()


class _PgError(Exception):
    """An error carrying a SQLSTATE as asyncpg's do (a stand-in: no server can be made to raise each code)."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["08006", "53300", "57P01", "57P02", "57P03", "57P04", "57P05"])
def test_unavailable_sqlstates_are_503s_and_57p_breaks_a_read_connection(sqlstate: str) -> None:
    error = _PgError(sqlstate)
    assert is_database_unavailable(error)
    # The direct reads (app.core.reads) discard the connection for class 57P, which closes it; not for the rest.
    assert _connection_broken(error) is sqlstate.startswith("57P")


@pytest.mark.parametrize("sqlstate", ["23505", "42P01", "40001", "22P02"])
def test_statement_errors_are_not_unavailability(sqlstate: str) -> None:
    error = _PgError(sqlstate)
    assert not is_database_unavailable(error)
    assert not _connection_broken(error)
