"""Audit rows in the shared `auth_events` table for the changes the backend makes.

The event names are the auth server's (`auth-server/src/events/auth-events.ts`), so admins see one log
whichever service acted. As there, a failure to write an event is logged and never fails the request.
"""

import logging
from collections.abc import Iterable
from enum import StrEnum

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuthEvent, utcnow

log = logging.getLogger("gatehouse.audit")


class AuthEventType(StrEnum):
    """The event types the backend writes (a subset of the auth server's)."""

    SESSION_REVOKED = "session_revoked"
    ROLE_CHANGED = "role_changed"
    USER_BANNED = "user_banned"
    USER_UNBANNED = "user_unbanned"


async def record_events(
    request: Request,
    *,
    type: AuthEventType,
    user_id: str,
    actor_id: str,
    session_ids: Iterable[str | None] = (None,),
    reason: str | None = None,
) -> None:
    """Append one successful event per session id (or one without a session), in its own transaction.

    Its own session, too: the caller's change is committed already and its loaded rows stay untouched
    whatever happens here.
    """
    user_agent = request.headers.get("user-agent")
    now = utcnow()
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.db.sessionmaker
    try:
        async with sessionmaker() as db:
            for session_id in session_ids:
                db.add(
                    AuthEvent(
                        type=type.value,
                        user_id=user_id,
                        session_id=session_id,
                        actor_id=actor_id,
                        ip=request.client.host if request.client else None,
                        user_agent=user_agent[:512] if user_agent else None,
                        success=True,
                        reason=reason[:200] if reason else None,
                        created_at=now,
                    )
                )
            await db.commit()
    except Exception as exc:  # the change itself is already committed; losing its audit row must not undo it
        log.error("could not write auth event", extra={"type": type.value, "error": repr(exc)})
