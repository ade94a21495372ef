"""Acceptance 2: our models match the tables the auth server's migration created (on the database under
test), values are stored in better-auth's formats, and Alembic's `tasks` migration runs both ways cleanly."""

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gatehouse_test_support.processes import migrate_auth_tables
from sqlalchemy import BigInteger, Boolean, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import DatabaseSettings
from app.core.db import create_engine
from app.core.migrate import alembic_config
from app.models import AUTH_TABLES, Base, Task, UtcDateTime, format_iso_ms, parse_timestamp
from tests.utils.factories import TEST_SECRET

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(scope="module")
def auth_only_url(fresh_database_url: Callable[[str], str]) -> str:
    """A fresh database holding exactly what `npm run migrate -w auth-server` created."""
    url = fresh_database_url("gatehouse_contract")
    migrate_auth_tables(url, TEST_SECRET)
    return url


@pytest_asyncio.fixture
async def engine(auth_only_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(_env_file=None, database_url=auth_only_url))
    try:
        yield engine
    finally:
        await engine.dispose()


def expected_type(column: Any, dialect: str) -> str:
    """The column type the auth server's migrations produce for a model column (better-auth's getType(),
    or the hand-written DDL of its own tables)."""
    if dialect == "sqlite" and "sqlite_type" in column.info:
        declared: str = column.info["sqlite_type"]
        return declared
    if isinstance(column.type, UtcDateTime):
        return "date" if dialect == "sqlite" else "timestamp with time zone"
    if isinstance(column.type, Boolean):
        return "integer" if dialect == "sqlite" else "boolean"
    if isinstance(column.type, BigInteger):
        return "integer" if dialect == "sqlite" else "bigint"
    return "text"


def describe_tables(conn: Connection) -> dict[str, dict[str, Any]]:
    inspector = inspect(conn)
    dialect = conn.dialect.name
    tables: dict[str, dict[str, Any]] = {}
    for name in inspector.get_table_names():
        columns = {}
        for col in inspector.get_columns(name):
            type_name = (
                col["type"].compile(dialect=conn.dialect).lower()
                if dialect == "sqlite"
                else conn.execute(
                    text(
                        "select data_type from information_schema.columns "
                        "where table_schema = current_schema() and table_name = :t and column_name = :c"
                    ),
                    {"t": name, "c": col["name"]},
                ).scalar_one()
            )
            columns[col["name"]] = {"type": type_name, "nullable": col["nullable"]}
        uniques = _unique_columns(conn, inspector, name)
        tables[name] = {
            "columns": columns,
            "pk": inspector.get_pk_constraint(name)["constrained_columns"],
            "fks": _foreign_keys(conn, inspector, name),
            "uniques": uniques,
        }
    return tables


def _unique_columns(conn: Connection, inspector: Any, table: str) -> set[tuple[str, ...]]:
    if conn.dialect.name == "sqlite":
        # Inline `unique` becomes an sqlite_autoindex_*, which the inspector hides.
        found = set()
        for index in conn.execute(text(f'PRAGMA index_list("{table}")')).mappings():
            if index["unique"]:
                cols = conn.execute(text(f'PRAGMA index_info("{index["name"]}")')).mappings()
                found.add(tuple(c["name"] for c in cols))
        return found
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
    return uniques | {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i.get("unique")}


def _foreign_keys(conn: Connection, inspector: Any, table: str) -> list[tuple[list[str], str, list[str], str]]:
    if conn.dialect.name == "sqlite":
        # SQLAlchemy's SQLite reflection does not always recover ON DELETE; the pragma does.
        rows = conn.execute(text(f'PRAGMA foreign_key_list("{table}")')).mappings()
        return [([r["from"]], r["table"], [r["to"]], r["on_delete"].upper()) for r in rows]
    return [
        (
            fk["constrained_columns"],
            fk["referred_table"],
            fk["referred_columns"],
            (fk.get("options") or {}).get("ondelete", "").upper(),
        )
        for fk in inspector.get_foreign_keys(table)
    ]


async def test_auth_tables_match_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        actual = await conn.run_sync(describe_tables)
        dialect = conn.dialect.name
    for table_name in sorted(AUTH_TABLES):
        table = Base.metadata.tables[table_name]
        assert table_name in actual, f"auth server did not create {table_name}"
        db_table = actual[table_name]
        assert set(db_table["columns"]) == {c.name for c in table.columns}, table_name
        for column in table.columns:
            db_col = db_table["columns"][column.name]
            rowid_alias = dialect == "sqlite" and column.primary_key and db_col["type"] == "integer"
            if not rowid_alias:  # SQLite reports INTEGER PRIMARY KEY (the rowid) as nullable; it never is
                assert db_col["nullable"] == column.nullable, f"{table_name}.{column.name} nullability"
            assert db_col["type"] == expected_type(column, dialect), f"{table_name}.{column.name} type"
        assert db_table["pk"] == [c.name for c in table.primary_key.columns]
        expected_fks = sorted(
            ([fk.parent.name], fk.column.table.name, [fk.column.name], (fk.ondelete or "").upper())
            for fk in table.foreign_keys
        )
        assert sorted(db_table["fks"]) == expected_fks, table_name
        for column in table.columns:
            if column.unique:
                assert (column.name,) in db_table["uniques"], f"{table_name}.{column.name} unique"


async def test_sqlite_values_use_better_auth_formats(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores timestamptz/boolean natively")
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from tests.utils.factories import make_user

    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        user = await make_user(db, email="format@example.com", email_verified=True, banned=False)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "select created_at, typeof(created_at), email_verified, typeof(email_verified), banned "
                    "from users where id = :id"
                ),
                {"id": user.id},
            )
        ).one()
    assert ISO_MS.match(row[0]), row[0]
    assert row[1] == "text"
    assert (row[2], row[3], row[4]) == (1, "integer", 0)
    assert format_iso_ms(parse_timestamp(row[0])) == row[0]


async def test_alembic_upgrade_downgrade_round_trip(auth_only_url: str, engine: AsyncEngine) -> None:
    config = alembic_config(auth_only_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    async with engine.connect() as conn:
        diff = await conn.run_sync(_tasks_diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        version = (await conn.execute(text("select version_num from backend_alembic_version"))).scalar_one()
    assert diff == [], diff
    assert {"tasks", "backend_alembic_version"} <= tables
    assert version == "0001_create_tasks"
    assert "alembic_version" not in tables  # the default name stays free for anyone else

    await asyncio.to_thread(command.downgrade, config, "base")
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert "tasks" not in tables
    assert tables >= AUTH_TABLES  # the auth tables are never touched

    await asyncio.to_thread(command.upgrade, config, "head")
    async with engine.connect() as conn:
        assert await conn.run_sync(lambda c: inspect(c).has_table("tasks"))


def _tasks_diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn,
        opts={
            "include_object": lambda obj, name, type_, reflected, compare_to: type_ != "table" or name == "tasks",
            "compare_type": False,
            "version_table": "backend_alembic_version",
        },
    )
    metadata = Base.metadata
    return [d for d in compare_metadata(context, metadata) if "tasks" in repr(d) or Task.__tablename__ in repr(d)]
