"""A user's sessions: list (from the database) and revoke (by the auth server), the user themself or an admin."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from gatehouse_fastapi import CurrentPrincipal

from app.api.deps import IdentityDep, SessionDep
from app.api.routes.users import UserId, ensure_self_or_admin
from app.errors import ErrorCode, error_responses
from app.schemas.users import SessionPublic, SessionsPublic, SessionsRevoked
from app.services import sessions as session_service

router = APIRouter(prefix="/users/{user_id}/sessions", tags=["sessions"])

SessionId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get(
    "", summary="List a user's sessions", responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED)
)
async def list_sessions(
    request: Request, principal: CurrentPrincipal, db: SessionDep, user_id: UserId
) -> SessionsPublic:
    """Unexpired sessions, newest first, with `is_current` marking the caller's own."""
    ensure_self_or_admin(request, principal, user_id)
    rows = await session_service.list_sessions(db, user_id=user_id)
    data = [
        SessionPublic.model_validate(row).model_copy(update={"is_current": row.id == principal.session.id})
        for row in rows
    ]
    return SessionsPublic(data=data, count=len(data))


@router.delete(
    "",
    summary="Revoke all of a user's sessions",
    responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED),
)
async def revoke_all_sessions(
    request: Request, principal: CurrentPrincipal, identity: IdentityDep, user_id: UserId
) -> SessionsRevoked:
    """Revoke every session of the user (the caller's own included, when it is theirs)."""
    ensure_self_or_admin(request, principal, user_id)
    revoked = await identity.revoke_sessions(actor=principal, user_id=user_id)
    return SessionsRevoked(revoked=len(revoked))


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a session",
    responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED, ErrorCode.SESSION_NOT_FOUND),
)
async def revoke_session(
    request: Request, principal: CurrentPrincipal, identity: IdentityDep, user_id: UserId, session_id: SessionId
) -> Response:
    """Revoke one session of the user."""
    ensure_self_or_admin(request, principal, user_id)
    await identity.revoke_session(actor=principal, user_id=user_id, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
