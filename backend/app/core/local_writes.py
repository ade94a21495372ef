"""Read-your-writes inside one worker: notice this process's own writes to the auth tables.

Other workers learn of a ban or a revoked session from the feed within the poll interval; the worker that
made the change must not answer its very next request from a cache that predates it. So the request
engine is watched: a committed UPDATE or DELETE on users, user_sessions or accounts calls `on_write`
(the feed drops its caches and asks for a catch-up) once the connection goes back to the pool, which
SQLAlchemy does only after the COMMIT has returned, so the catch-up read is sure to see the rows.
"""

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_AUTH_WRITE = re.compile(r'^\s*(?:UPDATE|DELETE\s+FROM)\s+"?(?:users|user_sessions|accounts)"?\b', re.IGNORECASE)
_PENDING = "gatehouse.auth_write"


def watch_local_writes(engine: AsyncEngine, on_write: Callable[[], None]) -> Callable[[], None]:
    """Install the listeners; returns a function that removes them."""
    sync_engine = engine.sync_engine

    def after_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _AUTH_WRITE.match(statement):
            conn.info[_PENDING] = True

    def on_commit(conn: Any) -> None:
        if conn.info.get(_PENDING):
            on_write()  # early notice: caches stop being trusted while the COMMIT is in flight

    def on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None and record.info.pop(_PENDING, False):
            on_write()  # committed (or rolled back): a catch-up from now on sees the trigger's rows

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (sync_engine, "after_cursor_execute", after_execute),
        (sync_engine, "commit", on_commit),
        (sync_engine.pool, "checkin", on_checkin),
    ]
    for target, name, fn in listeners:
        event.listen(target, name, fn)

    def remove() -> None:
        for target, name, fn in listeners:
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    return remove
