"""Engines for the database better-auth writes: SQLite through aiosqlite, PostgreSQL through asyncpg."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_SQLITE_BUSY_TIMEOUT_MS = 5000


def to_async_url(database_url: str, *, root: Path | None = None) -> str:
    """A SQLAlchemy async URL for better-auth's kind of `DATABASE_URL`.

    `sqlite:./x.db`, `sqlite:/abs/x.db`, `file:./x.db` and `sqlite:///x.db` become an absolute
    `sqlite+aiosqlite:` URL (relative paths resolve against `root`, by default the working directory); `postgres://` and
    `postgresql://` become `postgresql+asyncpg://`, with libpq's `sslmode` renamed to asyncpg's `ssl`.
    Raises ValueError for an in-memory SQLite database (it cannot be shared) or another scheme.
    """
    url = database_url.strip()
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme in {"sqlite", "file"} or scheme.startswith("sqlite+"):
        # `sqlite:///abs.db` is a URL whose path is `/abs.db`; `sqlite:./x.db` is a bare path.
        path = rest[2:] if rest.startswith("//") else rest
        path = path.split("?", 1)[0]
        if path in {"", ":memory:"}:
            raise ValueError("an in-memory SQLite database cannot be shared with the auth server")
        return f"sqlite+aiosqlite:///{((root or Path()) / path).resolve()}"
    if scheme in {"postgres", "postgresql"} or scheme.startswith("postgresql+"):
        parts = urlsplit(url)
        query = [("ssl" if k == "sslmode" else k, v) for k, v in parse_qsl(parts.query)]
        return parts._replace(scheme="postgresql+asyncpg", query=urlencode(query)).geturl()
    raise ValueError(f"unsupported database URL scheme {scheme!r} (expected sqlite: or postgres://)")


def create_engine(database_url: str, *, connect_timeout_seconds: float = 5.0, pool_size: int = 10) -> AsyncEngine:
    """An engine for `database_url` (see `to_async_url`) with the settings better-auth's own connections use.

    SQLite: WAL (so readers never block the auth server's writes), busy_timeout, synchronous=NORMAL.
    PostgreSQL: connect and command timeouts, and a connection the server closed replaced at checkout
    (`replace_closed_connections`); `pool_size` connections kept open and no overflow: a checkout that finds them
    all busy waits (up to `connect_timeout_seconds`, then `sqlalchemy.exc.TimeoutError`). SQLAlchemy's default
    (5 kept, 10 more opened on demand and closed again on return) made every request past the fifth concurrent
    one pay a connect, a refused TLS offer and a SCRAM-SHA-256 handshake, ~1 ms of CPU in the worker alone.
    """
    url = make_url(to_async_url(database_url))
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        return engine
    timeout = connect_timeout_seconds
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=timeout,
        connect_args={"timeout": timeout, "command_timeout": max(timeout, 10.0)},
    )
    replace_closed_connections(engine)
    return engine


def replace_closed_connections(engine: AsyncEngine) -> None:
    """On an asyncpg engine, replace at checkout a pooled connection the server has closed (a restart, a failover,
    `pg_terminate_backend`), so service resumes by itself after an outage.

    Instead of SQLAlchemy's `pool_pre_ping`, which learns the same with a round trip per checkout — on asyncpg three
    (BEGIN, the ping, ROLLBACK), more than a short read itself: asyncpg already knows when the server closed or reset
    the socket (`Connection.is_closed()`). A connection that dies while in use is invalidated by SQLAlchemy and that
    statement raises, as it would with pre-ping. No-op for other drivers.
    """
    if engine.dialect.driver != "asyncpg":
        return

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_conn.driver_connection.is_closed():
            # SQLAlchemy's pool discards the connection and checks out a fresh one (DisconnectionError's contract).
            raise exc.DisconnectionError("the database closed this connection")


def copy_engine(engine: AsyncEngine) -> AsyncEngine:
    """A new engine on the same database as `engine` (the feed's own, with one long-lived connection)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return create_engine(f"sqlite:{url.database}")
    copy = create_async_engine(url, connect_args={"timeout": 5.0, "command_timeout": 10.0})
    replace_closed_connections(copy)
    return copy
