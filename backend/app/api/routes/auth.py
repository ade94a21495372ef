"""The caller's own session, profile and linked accounts."""

from fastapi import APIRouter
from gatehouse_fastapi import AuthError, CurrentPrincipal

from app.api.deps import SessionDep
from app.api.json import JsonBytes, json_response
from app.schemas.users import AccountPublic, CurrentSession, MePublic, SessionPublic, UserPublic
from app.services import sessions as session_service
from app.services import users as user_service

router = APIRouter(prefix="/auth", tags=["auth"])


@router.get("/session", summary="Current session")
async def current_session(principal: CurrentPrincipal, db: SessionDep) -> CurrentSession:
    """The session behind the credential and its user (never the session token)."""
    session = await session_service.get_session(db, session_id=principal.session.id)
    user = await user_service.get_user(db, user_id=principal.user.id)
    if session is None or user is None:  # revoked between authentication and now
        raise AuthError.unauthorized("Session no longer exists.", presented=True)
    public = SessionPublic.model_validate(session).model_copy(update={"is_current": True})
    return CurrentSession(session=public, user=UserPublic.model_validate(user))


@router.get("/me", summary="Current user", response_model=MePublic)
async def me(principal: CurrentPrincipal) -> JsonBytes:
    """The caller, as their credential proved them."""
    user = principal.user
    # Built from the already validated `AuthUser`, so constructed without a second validation and serialised once.
    return json_response(
        MePublic.model_construct(
            id=user.id,
            email=user.email,
            name=user.name,
            image=user.image,
            email_verified=user.email_verified,
            role=user.role,
        )
    )


@router.get("/accounts", summary="Sign-in methods")
async def accounts(principal: CurrentPrincipal, db: SessionDep) -> list[AccountPublic]:
    """The caller's sign-in methods (credential, OAuth providers); no tokens or password hashes."""
    rows = await user_service.list_accounts(db, user_id=principal.user.id)
    return [AccountPublic.model_validate(row) for row in rows]
