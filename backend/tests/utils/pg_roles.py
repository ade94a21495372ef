"""The backend's PostgreSQL role in tests, made by the deployment's own SQL (deploy/postgres/*.sql).

Every PostgreSQL database the suite creates gets the grants before the auth server migrates it, the backend's
migrations run as that role (so it owns `tasks`), and the app under test connects as it: an INSERT, UPDATE or
DELETE on an identity table anywhere in the backend fails the suite (issue 11, acceptance 3). Fixtures that
arrange identity rows connect as the owner, as the auth server does.
"""

import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
from alembic import command
from gatehouse_test_support.processes import REPO_ROOT

from app.core.migrate import alembic_config

BACKEND_ROLE = "gatehouse_backend"
BACKEND_PASSWORD = "gatehouse-backend-test"
SQL_DIR = REPO_ROOT / "deploy" / "postgres"


def render(path: Path, variables: dict[str, str]) -> str:
    """The SQL file with psql's `:"name"` (identifier) and `:'name'` (literal) variables substituted."""

    def identifier(match: re.Match[str]) -> str:
        return '"' + variables[match.group(1)].replace('"', '""') + '"'

    def literal(match: re.Match[str]) -> str:
        return "'" + variables[match.group(1)].replace("'", "''") + "'"

    text = re.sub(r':"(\w+)"', identifier, path.read_text())
    return re.sub(r":'(\w+)'", literal, text)


def as_backend(database_url: str) -> str:
    """The same database, connected to as the backend's role."""
    parts = urlsplit(database_url)
    netloc = f"{quote(BACKEND_ROLE)}:{quote(BACKEND_PASSWORD)}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


async def grant_backend_role(database_url: str) -> None:
    """Create the role (once per server) and give it its grants in this database, as the deployment does."""
    parts = urlsplit(database_url)
    owner = parts.username or "postgres"
    database = parts.path.lstrip("/")
    conn = await asyncpg.connect(database_url)
    try:
        if not await conn.fetchval("select 1 from pg_roles where rolname = $1", BACKEND_ROLE):
            role = render(
                SQL_DIR / "backend-role.sql", {"backend_role": BACKEND_ROLE, "backend_password": BACKEND_PASSWORD}
            )
            await conn.execute(role)
        grants = {"backend_role": BACKEND_ROLE, "owner_role": owner, "database": database}
        await conn.execute(render(SQL_DIR / "backend-grants.sql", grants))
    finally:
        await conn.close()


def backend_url(database_url: str) -> str:
    """How the backend connects: on PostgreSQL as its own role, which can only read the identity tables."""
    return as_backend(database_url) if database_url.startswith("postgres") else database_url


def migrate_backend(database_url: str) -> None:
    """The backend's Alembic migrations, run as the backend's role (so it owns its tables), as in deployment."""
    command.upgrade(alembic_config(backend_url(database_url)), "head")
