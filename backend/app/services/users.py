"""User administration on the auth server's tables: profile, role, ban, linked accounts.

Every timestamp written here goes through `UtcDateTime`, i.e. the exact format better-auth reads.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Account, User, UserSession, utcnow


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_users(db: AsyncSession, *, search: str | None, limit: int, offset: int) -> tuple[Sequence[User], int]:
    """One page of users, newest first, optionally filtered by a case-insensitive email/name match."""
    conditions = []
    if search:
        pattern = f"%{_escape_like(search)}%"
        conditions.append(or_(User.email.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    count = await db.scalar(select(func.count()).select_from(User).where(*conditions))
    rows = await db.scalars(
        select(User).where(*conditions).order_by(User.created_at.desc(), User.id).limit(limit).offset(offset)
    )
    return rows.all(), int(count or 0)


async def get_user(db: AsyncSession, *, user_id: str) -> User | None:
    """The user, or None."""
    return await db.get(User, user_id)


async def update_user(db: AsyncSession, *, user: User, changes: Mapping[str, Any]) -> User:
    """Apply profile changes and bump `updated_at`."""
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = utcnow()
    await db.commit()
    return user


async def set_role(db: AsyncSession, *, user: User, role: str) -> User:
    """Give `user` the role `role`."""
    return await update_user(db, user=user, changes={"role": role})


async def ban_user(
    db: AsyncSession, *, user: User, reason: str | None, expires_at: datetime | None
) -> tuple[User, list[str]]:
    """Ban `user` and delete all their sessions in the same transaction (so no credential survives).

    Returns the user and the ids of the sessions that were revoked.
    """
    user.banned = True
    user.ban_reason = reason
    user.ban_expires = expires_at
    user.updated_at = utcnow()
    result = await db.execute(delete(UserSession).where(UserSession.user_id == user.id).returning(UserSession.id))
    revoked = list(result.scalars().all())
    await db.commit()
    return user, revoked


async def unban_user(db: AsyncSession, *, user: User) -> User:
    """Lift any ban on `user`."""
    return await update_user(db, user=user, changes={"banned": False, "ban_reason": None, "ban_expires": None})


async def list_accounts(db: AsyncSession, *, user_id: str) -> Sequence[Account]:
    """The user's linked sign-in methods (callers must not expose tokens or the password hash)."""
    rows = await db.scalars(select(Account).where(Account.user_id == user_id).order_by(Account.created_at))
    return rows.all()
