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
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gatehouse_fastapi._revocation.rows import FeedRow, revocations

log = logging.getLogger("gatehouse.auth.revocation")

CHANNEL = "gatehouse_revocations"
_BATCH = 500


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

    async def max_id(self) -> int:
        """The highest committed id (0 for an empty feed)."""
        conn = await self._connection()
        value = (await conn.execute(select(revocations.c.id).order_by(revocations.c.id.desc()).limit(1))).scalar()
        return int(value or 0)

    async def read_since(self, since: datetime) -> list[FeedRow]:
        """Every row created after `since`, in id order (the start-up window)."""
        conn = await self._connection()
        rows = await conn.execute(
            select(revocations).where(revocations.c.created_at > since).order_by(revocations.c.id)
        )
        return [_row(r) for r in rows]

    async def read_after(self, last_id: int, gaps: list[int]) -> list[FeedRow]:
        """Rows with an id above `last_id` or in `gaps`, in id order, one batch at most."""
        conn = await self._connection()
        condition = revocations.c.id > last_id
        if gaps:
            condition = or_(condition, revocations.c.id.in_(gaps))
        rows = await conn.execute(select(revocations).where(condition).order_by(revocations.c.id).limit(_BATCH))
        return [_row(r) for r in rows]

    @property
    def batch_size(self) -> int:
        """How many rows one `read_after` returns at most."""
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
