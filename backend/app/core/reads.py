"""Short read-only statements run with the fewest hops, for the hot reads (the task list).

Through the engine, a read on SQLite costs aiosqlite's worker-thread hops (checkout, the statement, and the pool's
rollback-on-return) and on PostgreSQL a pooled asyncpg connection; here:

- SQLite: the statement runs on the event loop's own thread, on one stdlib `sqlite3` connection per worker that
  can only read (`query_only`). That is safe because in WAL mode (which both services set) a reader neither waits
  for a writer nor makes one wait, and what could still stall the loop is bounded: the busy timeout is 0 (a lock
  conflict, e.g. a database not in WAL mode or one being recovered, fails at once instead of waiting), and a
  progress handler interrupts a statement that runs longer than `LOOP_BUDGET_SECONDS` (a user with very many
  rows). In both cases (and for text stored as invalid UTF-8) the read is retried through the engine, on
  aiosqlite's thread, with the engine's busy timeout — so a slow or blocked read waits off the loop, as before.
- PostgreSQL: the driver's own `fetch` on a pooled connection: one round trip, a prepared statement that asyncpg
  caches per connection.
"""

import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any

from gatehouse_fastapi._database import DatabaseUnavailableError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import sqlstate as sqlstate_codes

LOOP_BUDGET_SECONDS = 0.002
"""The longest a read may hold the event loop on SQLite before it is handed to a worker thread instead."""
_PROGRESS_STEPS = 2_000
"""SQLite virtual-machine steps between two looks at the clock (a few µs of work each time)."""


class ReadConnectionBrokenError(DatabaseUnavailableError):
    """A read's connection broke under it (lost, closed by the server, or left mid-operation); the connection was
    discarded from the pool. A `DatabaseUnavailableError`, so gatehouse-fastapi's `is_database_unavailable` counts
    it as the database being unavailable (503 `DATABASE_UNAVAILABLE`): retrying later, on a fresh connection, may
    work."""


class Reader:
    """`fetch(sql, params)` → rows as tuples, for read-only statements written for the engine's dialect
    (`?` parameters on SQLite, `$n` on PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.dialect: str = engine.dialect.name
        """`sqlite` or `postgresql` (the statements' parameter style)."""
        self._sqlite_path = engine.url.database if engine.dialect.name == "sqlite" else None
        self._loop_connection: sqlite3.Connection | None = None
        self._loop_thread: int | None = None
        self._deadline = 0.0

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        """The rows of one read-only statement."""
        if self._sqlite_path is not None and self._loop_thread in (None, threading.get_ident()):
            rows = self._fetch_on_loop(sql, params)
            if rows is not None:
                return rows
        return await self._fetch_pooled(sql, params)

    def close(self) -> None:
        """Close the loop-thread connection (the engine's are closed with it)."""
        if self._loop_connection is not None:
            self._loop_connection.close()
            self._loop_connection = None

    async def _fetch_pooled(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        async with self._engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            if self._sqlite_path is not None:
                return list(await driver.execute_fetchall(sql, params))
            try:
                return list(await driver.fetch(sql, *params))
            except Exception as error:
                # The driver is called directly, so SQLAlchemy neither sees a broken connection (to discard it from
                # the pool) nor wraps the error (to classify it): both are done here.
                if not _connection_broken(error):
                    raise
                await conn.invalidate(error)
                raise ReadConnectionBrokenError(f"the database connection failed during a read: {error!r}") from error

    def _fetch_on_loop(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]] | None:
        """The rows, or None when the read must wait (a lock) or would hold the loop too long."""
        connection = self._loop_connection or self._open()
        self._deadline = time.monotonic() + LOOP_BUDGET_SECONDS
        try:
            return connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            code = getattr(error, "sqlite_errorcode", None)
            # No SQLite code: Python's own "Could not decode to UTF-8" (text another writer stored as invalid
            # UTF-8), which the engine's connections read with U+FFFD (`decode_text`).
            if code is None or code & 0xFF in _HAND_OVER:  # the primary code of an extended one
                return None
            raise

    def _open(self) -> sqlite3.Connection:
        assert self._sqlite_path is not None
        # Text is decoded by sqlite3 itself (a Python text_factory cost ~30 µs per page of 20 tasks); a row with
        # invalid UTF-8 fails the read here and is read again through the engine, with U+FFFD (`decode_text`).
        connection = sqlite3.connect(self._sqlite_path, isolation_level=None)
        connection.execute("PRAGMA query_only=ON")
        connection.execute("PRAGMA busy_timeout=0")
        connection.set_progress_handler(self._over_budget, _PROGRESS_STEPS)
        self._loop_connection, self._loop_thread = connection, threading.get_ident()
        return connection

    def _over_budget(self) -> bool:
        # Returning True interrupts the statement (SQLITE_INTERRUPT), which `_fetch_on_loop` hands over.
        return time.monotonic() > self._deadline


def _connection_broken(error: BaseException) -> bool:
    """Whether an asyncpg error means the connection itself is unusable (lost, closed by the server, or left in a
    protocol state another operation interrupted), rather than the statement failing on a healthy connection."""
    import asyncpg

    if isinstance(error, asyncpg.InterfaceError | asyncpg.PostgresConnectionError | OSError):
        return True
    if isinstance(error, asyncpg.exceptions._base.InternalClientError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(sqlstate_codes.OPERATOR_INTERVENTION)


_HAND_OVER = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT})


def decode_text(data: bytes) -> str:
    """SQLite text as `str`: SQLite stores whatever bytes a writer gives it, invalid UTF-8 included (a lone surrogate
    from a JS string, a cut multi-byte character); those read as U+FFFD instead of failing the request."""
    return data.decode("utf-8", "replace")
