"""Async SQLAlchemy engine for the shared database (SQLite file via aiosqlite, PostgreSQL via asyncpg). What counts
as the database being unavailable (answered 503 `DATABASE_UNAVAILABLE`, never 500) is gatehouse-fastapi's
`is_database_unavailable`."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from gatehouse_fastapi._database import create_engine as create_package_engine
from gatehouse_fastapi._database import name_connect_failures
from gatehouse_fastapi._database import to_async_url as package_async_url
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import REPO_ROOT, DatabaseSettings
from app.core.reads import Reader, decode_text


def to_async_url(database_url: str, *, root: Path = REPO_ROOT) -> str:
    """The auth server's DATABASE_URL as a SQLAlchemy async URL (`gatehouse_fastapi`'s translation), relative
    SQLite paths resolved against the repository root, where the auth server runs. Raises ValueError for an
    in-memory SQLite database or an unsupported scheme."""
    return package_async_url(database_url, root=root)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An engine with the pragmas / timeouts both services rely on."""
    url = make_url(to_async_url(settings.database_url))
    timeout = settings.database_connect_timeout_seconds
    if url.get_backend_name() == "sqlite":
        db_path = Path(url.database or "")
        # A missing directory is created (a fresh checkout has no data/); failing that, /health/db reports it.
        with contextlib.suppress(OSError):
            db_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000})
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.driver_connection.text_factory = decode_text
            # WAL lets the auth server write while we read; foreign_keys makes ON DELETE CASCADE real;
            # synchronous=NORMAL is WAL's recommended pairing (and the auth server's): no fsync per commit.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        name_connect_failures(engine)
        return engine
    # The package's PostgreSQL engine: timeouts, closed connections replaced, connect failures named
    # (`DatabaseUnavailableError`), a pool without overflow churn.
    return create_package_engine(
        settings.database_url,
        connect_timeout_seconds=timeout,
        pool_size=settings.database_pool_size,
        statement_timeout_seconds=settings.database_statement_timeout_seconds,
    )


class Database:
    """Owns the engine and hands out sessions; one per process, stored on `app.state.db`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self.reader = Reader(engine)
        """Hot read-only statements with the fewest hops (`app.core.reads`)."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    async def session(self) -> AsyncIterator[AsyncSession]:
        """Yield one session; rolled back if the caller did not commit."""
        async with self.sessionmaker() as session:
            yield session

    async def ping(self) -> None:
        """Run `SELECT 1`; raises if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        self.reader.close()
        await self.engine.dispose()
