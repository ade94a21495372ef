"""Dependencies shared by the routers: the database session, the auth server's internal admin API (every identity
change), and the admin test for self-or-admin routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from gatehouse_fastapi import Gatehouse, Principal
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.services.identity import IdentityClient


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, closed (and rolled back if uncommitted) afterwards."""
    database: Database = request.app.state.db
    async with database.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_db)]


async def get_database(request: Request) -> Database:
    """The worker's `Database`, for a route that opens its own short sessions (a streamed export must not hold
    one for the whole answer)."""
    database: Database = request.app.state.db
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_identity(request: Request) -> IdentityClient:
    """The worker's client of the auth server's internal admin API."""
    identity: IdentityClient = request.app.state.identity
    return identity


IdentityDep = Annotated[IdentityClient, Depends(get_identity)]


def require_admin(request: Request, principal: Principal, message: str) -> None:
    """Let the caller act as an admin on someone else's data, or raise 403: `FORBIDDEN` with `message` without an
    admin role, `MFA_REQUIRED` when ADMIN_REQUIRE_MFA is on and the session has no second factor (the package's
    one admin rule, `Gatehouse.require_admin`, which `AdminUser` applies too).
    """
    gatehouse: Gatehouse = request.app.state.gatehouse
    gatehouse.require_admin(principal, message)
