"""Reading the auth server's user tables: users and their linked accounts.

The backend never writes them: changes go through the auth server (`app.services.identity`).
"""

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Account, User


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


async def list_accounts(db: AsyncSession, *, user_id: str) -> Sequence[Account]:
    """The user's linked sign-in methods (callers must not expose tokens or the password hash)."""
    rows = await db.scalars(select(Account).where(Account.user_id == user_id).order_by(Account.created_at))
    return rows.all()
