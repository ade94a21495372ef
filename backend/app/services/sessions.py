"""Reading a user's sessions (revoking them is the auth server's: `app.services.identity`)."""

from collections.abc import Sequence

from sqlalchemy import select
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
