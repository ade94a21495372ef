"""Listing and revoking a user's sessions."""

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import UserSession, utcnow


async def list_sessions(db: AsyncSession, *, user_id: str) -> Sequence[UserSession]:
    """`user_id`'s unexpired sessions, newest first."""
    rows = await db.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.expires_at > utcnow())
        .order_by(UserSession.created_at.desc(), UserSession.id)
    )
    return rows.all()


async def get_session(db: AsyncSession, *, session_id: str) -> UserSession | None:
    """The session row, or None."""
    return await db.get(UserSession, session_id)


async def revoke_all(db: AsyncSession, *, user_id: str) -> list[str]:
    """Delete every session of `user_id`; returns the ids of the deleted sessions."""
    result = await db.execute(delete(UserSession).where(UserSession.user_id == user_id).returning(UserSession.id))
    ids = list(result.scalars().all())
    await db.commit()
    return ids


async def revoke_one(db: AsyncSession, *, user_id: str, session_id: str) -> bool:
    """Delete one session if it belongs to `user_id`; False when there was none."""
    session = await db.scalar(select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id))
    if session is None:
        return False
    await db.delete(session)
    await db.commit()
    return True
