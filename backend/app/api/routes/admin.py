"""Administration: the audit log written by both services."""

from typing import Annotated

from fastapi import APIRouter, Query
from gatehouse_fastapi import AdminUser

from app.api.deps import SessionDep
from app.schemas.common import Limit, Offset
from app.schemas.events import AuthEventPublic, AuthEventsPublic
from app.services import events as event_service

router = APIRouter(prefix="/admin", tags=["admin"])

UserIdFilter = Annotated[str | None, Query(min_length=1, max_length=128, description="Only events about this user.")]
TypeFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="Only events of this type."),
]


@router.get("/events", summary="List auth events")
async def list_events(
    _admin: AdminUser,
    db: SessionDep,
    user_id: UserIdFilter = None,
    type: TypeFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> AuthEventsPublic:
    """The audit log, newest first: sign-ups, verifications, sign-ins (also failed), sign-outs, password
    resets, session revocations, role changes, bans, impersonation and OAuth links, whichever service
    acted. Filter by `user_id` and/or `type`; page with `limit` and `offset`. Admins only."""
    rows, count = await event_service.list_events(db, user_id=user_id, type=type, limit=limit, offset=offset)
    return AuthEventsPublic(data=[AuthEventPublic.model_validate(row) for row in rows], count=count)
