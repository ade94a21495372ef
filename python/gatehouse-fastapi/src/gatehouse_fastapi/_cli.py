"""`gatehouse-fastapi install-feed | uninstall-feed | prune-feed | status --database-url ...`.

Adds Gatehouse's revocation feed (table + triggers, see `_feed_sql`) to a stock better-auth database, so every
worker refuses a revoked session within a second without a query per request. Idempotent on SQLite and
PostgreSQL. A Gatehouse database already has the feed (its auth server's migrations) and is left alone.
Exit status: 0 done, 1 the database failed, 2 bad usage or a database this command must not change.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from gatehouse_fastapi._database import create_engine
from gatehouse_fastapi._feed_sql import (
    PRUNE,
    FeedNames,
    postgres_install,
    postgres_uninstall,
    sqlite_install,
    sqlite_uninstall,
)
from gatehouse_fastapi._schema import Schema, detect_schema, present_fields
from gatehouse_fastapi._startup import detect_feed
from gatehouse_fastapi._time import UtcDateTime, utcnow

GATEHOUSE_FEED_MIGRATION = "0002_revocation_feed"


class UsageError(Exception):
    """A refusal the user can act on (exit status 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gatehouse-fastapi", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    helps = {
        "install-feed": "add the revocation feed's table and triggers (idempotent)",
        "uninstall-feed": "remove them (idempotent)",
        "prune-feed": "delete feed rows older than --older-than-seconds (run daily, e.g. from cron)",
        "status": "show the schema found and whether the feed is installed",
    }
    for name, help_text in helps.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL"),
            help="sqlite:/path.db or postgres://... (default: $DATABASE_URL)",
        )
        sub.add_argument("--user-table", help="better-auth user modelName (default: detected)")
        sub.add_argument("--session-table", help="better-auth session modelName (default: detected)")
        sub.add_argument("--account-table", help="better-auth account modelName (default: detected)")
        sub.add_argument(
            "--field",
            action="append",
            default=[],
            metavar="MODEL.FIELD=COLUMN",
            help="a renamed column, e.g. user.emailVerified=email_verified (repeatable)",
        )
        if name == "prune-feed":
            sub.add_argument("--older-than-seconds", type=float, default=86_400.0)
    return parser


def _schema(conn: Connection, args: argparse.Namespace) -> Schema:
    custom = args.user_table or args.session_table or args.account_table or args.field
    base = Schema.better_auth() if custom else detect_schema(conn)
    fields: dict[str, dict[str, str]] = {
        "user": dict(base.user_fields),
        "session": dict(base.session_fields),
        "account": dict(base.account_fields),
    }
    for spec in args.field:
        target, _, column = spec.partition("=")
        model, _, field = target.partition(".")
        if model not in fields or not field or not column:
            raise UsageError(f"--field {spec!r}: expected user|session|account.FIELD=COLUMN")
        fields[model][field] = column
    return Schema(
        user_table=args.user_table or base.user_table,
        session_table=args.session_table or base.session_table,
        account_table=args.account_table or base.account_table,
        user_fields=fields["user"],
        session_fields=fields["session"],
        account_fields=fields["account"],
    )


def _feed_names(conn: Connection, schema: Schema) -> FeedNames:
    optional = present_fields(conn, schema)
    columns = {c["name"] for c in inspect(conn).get_columns(schema.account_table)}
    for field in ("userId", "password"):
        if schema.account_column(field) not in columns:
            raise LookupError(f"column {schema.account_column(field)!r} not in {schema.account_table!r}")
    return FeedNames.of(schema, optional)


def _installed_by_gatehouse(conn: Connection) -> bool:
    if "gatehouse_migrations" not in inspect(conn).get_table_names():
        return False
    found = conn.execute(
        text("select count(*) from gatehouse_migrations where name = :name"), {"name": GATEHOUSE_FEED_MIGRATION}
    ).scalar()
    return bool(found)


async def _run(args: argparse.Namespace) -> str:
    if not args.database_url:
        raise UsageError("--database-url (or $DATABASE_URL) is required")
    # DDL waits for locks the application's traffic holds: no statement limit (the engine's default is for requests).
    engine = create_engine(args.database_url, statement_timeout_seconds=0)
    try:
        async with engine.begin() as conn:
            return await _command(conn, args)
    finally:
        await engine.dispose()


async def _command(conn: AsyncConnection, args: argparse.Namespace) -> str:
    dialect = conn.dialect.name
    schema = await conn.run_sync(_schema, args)
    by_gatehouse = await conn.run_sync(_installed_by_gatehouse)
    if args.command == "status":
        installed = await detect_feed(conn.engine) if not by_gatehouse else True
        owner = " (Gatehouse's migrations)" if by_gatehouse else ""
        state = "installed" if installed else "absent"
        return f"schema: {schema.user_table}/{schema.session_table}; feed: {state}{owner}"
    if args.command == "prune-feed":
        cutoff = utcnow() - timedelta(seconds=args.older_than_seconds)
        prune = text(PRUNE).bindparams(bindparam("cutoff", type_=UtcDateTime()))
        deleted = (await conn.execute(prune, {"cutoff": cutoff})).rowcount
        return f"pruned {deleted} feed rows older than {args.older_than_seconds:g} s"
    if by_gatehouse:
        if args.command == "install-feed":
            return "the feed is already installed by Gatehouse's own migrations; nothing to do"
        raise UsageError("this database's feed belongs to Gatehouse's migrations; the auth server relies on it")
    names = await conn.run_sync(_feed_names, schema)
    if args.command == "install-feed":
        statements = sqlite_install(names) if dialect == "sqlite" else postgres_install(names)
        verb = "installed"
    else:
        statements = sqlite_uninstall() if dialect == "sqlite" else postgres_uninstall(names)
        verb = "removed"
    for statement in statements:
        await conn.exec_driver_sql(statement)
    tables = f"{schema.user_table}/{schema.session_table}/{schema.account_table}"
    return f"revocation feed {verb} ({dialect}, tables {tables})"


async def run(argv: Sequence[str] | None = None) -> int:
    """The command in a running event loop; prints its outcome and returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        print(await _run(args))
    except (UsageError, LookupError, ValueError) as exc:
        print(f"gatehouse-fastapi: {exc}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as exc:
        print(f"gatehouse-fastapi: database error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gatehouse-fastapi` command; returns the exit status."""
    return asyncio.run(run(argv))


if __name__ == "__main__":  # pragma: no cover - `python -m gatehouse_fastapi._cli`
    sys.exit(main())
