"""Engines for the database better-auth writes (SQLite through aiosqlite, PostgreSQL through asyncpg), and which
errors mean that database cannot serve right now (`is_database_unavailable`).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_SQLITE_BUSY_TIMEOUT_MS = 5000

OPERATOR_INTERVENTION = "57P"
"""PostgreSQL SQLSTATE class 57P: the server ended this backend or cannot serve it — admin_shutdown (57P01),
crash_shutdown (57P02), cannot_connect_now (57P03, starting up), database_dropped (57P04), idle_session_timeout
(57P05). Each closes the connection (PostgreSQL documentation, Appendix A "PostgreSQL Error Codes")."""

QUERY_CANCELED = "57014"
"""PostgreSQL SQLSTATE query_canceled: a `statement_timeout` the operator set (on the role or database) reached, or
`pg_cancel_backend`; the connection stays usable (PostgreSQL documentation, Appendix A and "Client Connection
Defaults")."""

UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", QUERY_CANCELED, OPERATOR_INTERVENTION)
"""SQLSTATE prefixes of a database that cannot serve right now: 08 connection exception, 53 insufficient resources
(53300 too many connections), 57014 a statement that ran past the server's limit, and class 57P."""

MAX_STATEMENT_TIMEOUT_SECONDS = 3600.0
"""The largest statement limit accepted (an hour), as the auth server's DATABASE_STATEMENT_TIMEOUT_SECONDS."""

# SQLite result codes of a database that is there but cannot be used right now (https://sqlite.org/rescode.html):
# BUSY after busy_timeout (another writer holds the lock), LOCKED, CANTOPEN, IOERR (and its extended codes), FULL.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")


class DatabaseUnavailableError(ConnectionError):
    """The database cannot be used right now: no connection could be opened (refused, unreachable, timed out), or
    one broke under a statement. A `ConnectionError`, as the OSError it names was.
    """


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error`, its causes and contexts, and the DBAPI errors SQLAlchemy wraps (`.orig`), each once."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__, orig if isinstance(orig, BaseException) else None]


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot serve right now (a temporary condition: retrying later may work),
    as opposed to a bug or bad data: a connection refused, lost or timed out (`DatabaseUnavailableError`), the pool
    exhausted (`sqlalchemy.exc.TimeoutError`), a connection SQLAlchemy invalidated, a PostgreSQL SQLSTATE of
    `UNAVAILABLE_SQLSTATE_PREFIXES`, SQLite busy, locked or unable to open or write its file.
    """
    for link in _chain(error):
        if isinstance(link, DatabaseUnavailableError | exc.TimeoutError):
            return True
        if isinstance(link, exc.DBAPIError) and link.connection_invalidated:
            return True
        sqlstate = getattr(link, "sqlstate", None) or getattr(link, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        sqlite_name = getattr(link, "sqlite_errorname", None)
        if isinstance(sqlite_name, str) and sqlite_name.startswith(_SQLITE_UNAVAILABLE):
            return True
    return False


def _connect_named(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as error:
        raise DatabaseUnavailableError(f"cannot connect to the database: {error!r}") from error


def name_connect_failures(engine: AsyncEngine) -> None:
    """Make a failure to open a connection a `DatabaseUnavailableError`: asyncpg raises plain OSError /
    TimeoutError when the server cannot be reached and SQLAlchemy passes them on unwrapped; here they are known to
    come from opening a database connection. Idempotent (an engine an app passes in may already be named).
    """
    if not event.contains(engine.sync_engine, "do_connect", _connect_named):
        event.listen(engine.sync_engine, "do_connect", _connect_named)


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


def create_engine(
    database_url: str,
    *,
    connect_timeout_seconds: float = 5.0,
    pool_size: int = 10,
    statement_timeout_seconds: float = 10.0,
) -> AsyncEngine:
    """An engine for `database_url` (see `to_async_url`) with the settings better-auth's own connections use.

    SQLite: WAL (so readers never block the auth server's writes), busy_timeout, synchronous=NORMAL.
    PostgreSQL: a connect timeout; `statement_timeout_seconds` (asyncpg's `command_timeout`: past it the client
    stops waiting — a slow statement, a server that stalled, a network gone silent — the caller gets a
    `DatabaseUnavailableError`, the server is asked to cancel the statement and the connection is closed (within
    2 s more when the server does not answer at all), `name_statement_timeouts`; 0 turns it off, as the
    Gatehouse auth server's DATABASE_STATEMENT_TIMEOUT_SECONDS does). The limit is the client's alone: PostgreSQL's
    `statement_timeout` sent as a startup parameter is refused by PgBouncer; one set on the role ends the statement on
    the server too, with SQLSTATE 57014, which `is_database_unavailable` counts (a `DBAPIError`, not renamed).
    Raises ValueError for a negative, non-finite or over-an-hour limit. A connection the server closed is replaced
    at checkout
    (`replace_closed_connections`); connect failures named `DatabaseUnavailableError` (both databases);
    `pool_size` connections kept open and no overflow: a checkout that finds them
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

        name_connect_failures(engine)
        return engine
    timeout = connect_timeout_seconds
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=timeout,
        connect_args={"timeout": timeout, **_statement_limits(statement_timeout_seconds)},
    )
    replace_closed_connections(engine)
    name_connect_failures(engine)
    name_statement_timeouts(engine)
    return engine


def _statement_limits(statement_timeout_seconds: float) -> dict[str, Any]:
    """Asyncpg connect arguments for a statement limit in seconds (none for 0)."""
    if not 0 <= statement_timeout_seconds <= MAX_STATEMENT_TIMEOUT_SECONDS:  # NaN fails both comparisons
        raise ValueError(f"statement_timeout_seconds must be in [0, {MAX_STATEMENT_TIMEOUT_SECONDS:g}]")
    return {"command_timeout": statement_timeout_seconds or None}


def _statement_timed_out(context: Any) -> None:
    error = context.original_exception
    # asyncpg's command_timeout raises the builtin TimeoutError, which SQLAlchemy passes on unwrapped: here it is
    # known to come from a statement. The connection still owes that statement's answer: discard it.
    if isinstance(error, TimeoutError) and not isinstance(error, DatabaseUnavailableError):
        # Discarded, not reused. SQLAlchemy then closes it gracefully (up to 2 s): asyncpg's close first sends the
        # cancel request it started on the timeout (`Protocol._request_cancel`), so the server stops the statement
        # rather than running it to its end — a write blocked on a lock would otherwise apply after the 503.
        context.is_disconnect = True
        raise DatabaseUnavailableError(f"the database did not answer a statement in time: {error!r}") from error


def name_statement_timeouts(engine: AsyncEngine) -> None:
    """Make a statement the client gave up on (asyncpg's `command_timeout`) a `DatabaseUnavailableError`, and
    discard its connection from the pool. Idempotent.
    """
    if not event.contains(engine.sync_engine, "handle_error", _statement_timed_out):
        event.listen(engine.sync_engine, "handle_error", _statement_timed_out)


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


def copy_engine(engine: AsyncEngine, *, statement_timeout_seconds: float = 10.0) -> AsyncEngine:
    """A new engine on the same database as `engine` (the feed's own, with one long-lived connection), with the
    statement limit `statement_timeout_seconds` (see `create_engine`).
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return create_engine(f"sqlite:{url.database}")
    copy = create_async_engine(url, connect_args={"timeout": 5.0, **_statement_limits(statement_timeout_seconds)})
    replace_closed_connections(copy)
    name_connect_failures(copy)
    name_statement_timeouts(copy)
    return copy
