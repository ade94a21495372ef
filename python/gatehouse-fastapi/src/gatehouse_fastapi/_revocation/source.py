"""The feed's own database connection: reads, and on PostgreSQL a LISTEN for pushed row ids.

One long-lived connection from an engine of its own, so feed reads never compete with requests for the
request pool and never show up in it. It runs in autocommit: PostgreSQL delivers notifications only
outside a transaction, and on SQLite an open read transaction would stop the WAL from checkpointing.
Any failure drops the connection; the next read opens a new one, LISTENs again, then reads everything
it may have missed.
"""

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gatehouse_fastapi._revocation.cursor import FeedBounds, FeedQuery
from gatehouse_fastapi._revocation.rows import FeedRow, revocations

log = logging.getLogger("gatehouse.auth.revocation")

CHANNEL = "gatehouse_revocations"
APPLICATION_NAME = "gatehouse-revocation-feed"
"""The feed connection's PostgreSQL `application_name`: operators (and tests) find it in `pg_stat_activity`."""
_BATCH = 500
# SQLite's julianday('now') is the current time; the Unix epoch is Julian day 2440587.5.
_SQLITE_NOW_MS = "cast(round((julianday('now') - 2440587.5) * 86400000) as integer)"


class FeedSource:
    """Reads `auth_revocations` through a dedicated connection; `wait()` returns early on a NOTIFY."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._conn: AsyncConnection | None = None
        self._wake = asyncio.Event()
        self.is_postgres = engine.dialect.name == "postgresql"
        self.connects = 0

    def wake(self) -> None:
        """Make the pending `wait()` return now (a NOTIFY arrived, or this process wrote an auth table)."""
        self._wake.set()

    async def wait(self, seconds: float) -> None:
        """Sleep until woken or `seconds` have passed."""
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that races the wake-up,
        # and the feed would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()

    async def bounds(self, window_seconds: float) -> FeedBounds:
        """One look at the table on the DATABASE's clock: max(id), where a `window_seconds` window starts, and
        the database's now. The rows' `created_at` are written by the database, so a window measured by this
        process's clock would start in the wrong place by the skew between the two.
        """
        conn = await self._connection()
        if self.is_postgres:
            since = "now() - make_interval(secs => :window)"
            now_ms = "floor(extract(epoch from now()) * 1000)::bigint"
            params: dict[str, object] = {"window": float(window_seconds)}
        else:
            since = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', :modifier)"
            now_ms = _SQLITE_NOW_MS
            params = {"modifier": f"-{float(window_seconds)} seconds"}
        row = (
            await conn.execute(
                text(
                    f"""select (select max(id) from auth_revocations) as newest,
                        (select max(id) from auth_revocations where created_at <= {since}) as older_max,
                        (select min(id) from auth_revocations where created_at > {since}) as recent_min,
                        {now_ms} as now_ms"""  # noqa: S608 - fixed SQL per dialect; values are bound
                ),
                params,
            )
        ).one()
        return FeedBounds(
            newest=int(row.newest or 0),
            older_max=None if row.older_max is None else int(row.older_max),
            recent_min=None if row.recent_min is None else int(row.recent_min),
            now_ms=int(row.now_ms),
        )

    async def now_ms(self) -> int:
        """The database's clock now, in milliseconds since the epoch."""
        conn = await self._connection()
        sql = (
            "select floor(extract(epoch from now()) * 1000)::bigint" if self.is_postgres else f"select {_SQLITE_NOW_MS}"
        )
        return int((await conn.execute(text(sql))).scalar_one())

    async def read(self, query: FeedQuery, limit: int) -> list[FeedRow]:
        """Rows with an id above `query.after_id` or in `query.gaps`, in id order, at most `limit` (one cursor
        read).
        """
        conn = await self._connection()
        condition = revocations.c.id > query.after_id
        if query.gaps:
            condition = or_(condition, revocations.c.id.in_(query.gaps))
        rows = await conn.execute(select(revocations).where(condition).order_by(revocations.c.id).limit(limit))
        return [_row(r) for r in rows]

    @property
    def batch_size(self) -> int:
        """How many rows one `read` is asked for."""
        return _BATCH

    async def reset(self) -> None:
        """Drop the connection after a failure; the next read reconnects (and LISTENs again)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.invalidate()
            await conn.close()
        except Exception as exc:  # a dead connection may fail to close; it is discarded either way
            log.debug("closing the feed connection failed", extra={"error": repr(exc)})

    async def close(self) -> None:
        """Close the connection and the feed's engine."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception as exc:
                log.debug("closing the feed connection failed", extra={"error": repr(exc)})
        await self._engine.dispose()

    async def _connection(self) -> AsyncConnection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        conn = await self._engine.connect()
        try:
            if self.is_postgres:
                await conn.exec_driver_sql(f"SET application_name = '{APPLICATION_NAME}'")
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.connects += 1
        return conn

    def _on_notify(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        # The payload is the new row's id, but ids may commit out of order: read by position, not by payload.
        self._wake.set()


def _row(row: Any) -> FeedRow:
    return FeedRow(
        id=int(row.id),
        kind=str(row.kind),
        user_id=row.user_id,
        session_id=row.session_id,
        created_at=row.created_at,
    )
