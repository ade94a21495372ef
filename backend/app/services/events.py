"""Reading the shared audit log (`auth_events`); writing is `app.services.audit`."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthEvent


async def list_events(
    db: AsyncSession, *, user_id: str | None, type: str | None, limit: int, offset: int
) -> tuple[Sequence[AuthEvent], int]:
    """One page of events, newest first (ties by insertion order), optionally for one user and/or type.

    Both filters and the ordering match the auth server's indexes (user_id, created_at) and
    (type, created_at).
    """
    conditions = []
    if user_id is not None:
        conditions.append(AuthEvent.user_id == user_id)
    if type is not None:
        conditions.append(AuthEvent.type == type)
    count = await db.scalar(select(func.count()).select_from(AuthEvent).where(*conditions))
    rows = await db.scalars(
        select(AuthEvent)
        .where(*conditions)
        .order_by(AuthEvent.created_at.desc(), AuthEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), int(count or 0)
