"""Alembic environment: async engine from DATABASE_URL, backend tables only, own version table."""

import asyncio
import logging.config

from alembic import context
from sqlalchemy.engine import Connection

from app.core.config import DatabaseSettings
from app.core.db import create_engine
from app.models import AUTH_TABLES, Base

# Both services share one database; a distinct version table keeps us out of the auth server's way.
VERSION_TABLE = "backend_alembic_version"

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Autogenerate must never propose creating or dropping an auth table.
    if type_ == "table":
        return name not in AUTH_TABLES and (not reflected or name == "tasks")
    return True


def _database_url() -> str:
    override = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    return override or DatabaseSettings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    # Schema changes may outlast a request's statement limit (an index on a large table, a lock to wait for).
    engine = create_engine(DatabaseSettings(database_url=_database_url(), database_statement_timeout_seconds=0))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported; run against a database")
asyncio.run(_run_online())
