"""What the database holds, read once at start: which schema, which optional columns, whether the feed exists."""

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse_fastapi._schema import OPTIONAL_FIELDS, Schema, detect_schema, present_fields

log = logging.getLogger("gatehouse_fastapi")

# The trigger every feed installation has (Gatehouse's migration 0002 and `install-feed` alike).
SESSION_TRIGGER = "auth_revoke_session"


async def inspect_schema(engine: AsyncEngine, schema: Schema | str) -> tuple[Schema, frozenset[str]]:
    """The schema in use and its optional (admin plugin) fields that exist.

    With an explicit `schema` and an unreachable database, every optional field is assumed present (the
    app starts; requests fail until the database answers). Raises LookupError when `"auto"` finds no tables
    or a required column is missing, and the driver's error when `"auto"` cannot reach the database.
    """
    if isinstance(schema, Schema):
        try:
            async with engine.connect() as conn:
                optional = await conn.run_sync(present_fields, schema)
        except (SQLAlchemyError, OSError) as exc:  # OSError: refused or timed out before any SQL
            log.warning("database unreachable at start; assuming every optional column", extra={"error": repr(exc)})
            return schema, OPTIONAL_FIELDS
        return schema, optional
    async with engine.connect() as conn:
        detected = await conn.run_sync(detect_schema)
        return detected, await conn.run_sync(present_fields, detected)


async def detect_feed(engine: AsyncEngine) -> bool:
    """Whether the revocation feed's table and its session trigger exist (False if the database is down)."""
    if engine.dialect.name == "sqlite":
        query = text("select count(*) from sqlite_master where type = 'trigger' and name = :name")
    else:
        query = text("select count(*) from pg_trigger where tgname = :name and not tgisinternal")
    try:
        async with engine.connect() as conn:
            return bool((await conn.execute(query, {"name": SESSION_TRIGGER})).scalar())
    except (SQLAlchemyError, OSError) as exc:  # OSError: refused or timed out before any SQL
        log.warning("database unreachable at start; revocation checks per request", extra={"error": repr(exc)})
        return False
