"""User administration: list/search (admin), profile (self or admin), role and ban (admin).

Reads come from the database; every change is made by the auth server (`app.services.identity`).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from gatehouse_fastapi import AdminUser, CurrentPrincipal, Principal
from gatehouse_fastapi._contract import ROLE_NAMES

from app.api.deps import IdentityDep, SessionDep, require_admin
from app.errors import ApiError, ErrorCode, error_responses
from app.models import User
from app.schemas.common import DEFAULT_LIMIT, Limit, Offset
from app.schemas.users import BanRequest, RoleUpdate, UserAdmin, UserPublic, UsersPublic, UserUpdate
from app.services import users as user_service

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[str, Path(min_length=1, max_length=128)]
Search = Annotated[str | None, Query(min_length=1, max_length=200, description="Matches email or name.")]
_SELF_OR_ADMIN = error_responses(ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED, ErrorCode.USER_NOT_FOUND)
# The backend's snake_case fields as better-auth names them.
_AUTH_FIELDS = {"email_verified": "emailVerified"}


def ensure_self_or_admin(request: Request, caller: Principal, user_id: str) -> None:
    """403 unless the caller is `user_id`, or may act as an admin (`require_admin`: `MFA_REQUIRED` for an admin
    whose session lacks a second factor under ADMIN_REQUIRE_MFA)."""
    if caller.user.id != user_id:
        require_admin(request, caller, "You can only access your own account.")


async def _existing(db: SessionDep, user_id: str) -> User:
    user = await user_service.get_user(db, user_id=user_id)
    if user is None:
        raise ApiError(ErrorCode.USER_NOT_FOUND, "User not found.")
    return user


@router.get("", summary="List users")
async def list_users(
    _admin: AdminUser, db: SessionDep, search: Search = None, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> UsersPublic:
    """Every user, newest first, optionally filtered by email or name (admin only)."""
    rows, count = await user_service.list_users(db, search=search, limit=limit, offset=offset)
    return UsersPublic(data=[UserAdmin.model_validate(row) for row in rows], count=count)


@router.get("/{user_id}", summary="Get a user", responses=_SELF_OR_ADMIN)
async def read_user(request: Request, caller: CurrentPrincipal, db: SessionDep, user_id: UserId) -> UserAdmin:
    """A user's profile with role and ban state: the user themself or an admin."""
    ensure_self_or_admin(request, caller, user_id)
    return UserAdmin.model_validate(await _existing(db, user_id))


@router.patch("/{user_id}", summary="Update a profile", responses=_SELF_OR_ADMIN)
async def update_user(
    request: Request, caller: CurrentPrincipal, db: SessionDep, identity: IdentityDep, user_id: UserId, body: UserUpdate
) -> UserPublic:
    """Change name / image (self or admin); `email_verified` is for admins only."""
    ensure_self_or_admin(request, caller, user_id)
    changes = body.model_dump(exclude_unset=True)
    if "email_verified" in changes:
        require_admin(request, caller, "Only administrators can change email verification.")
    for field in ("name", "email_verified"):
        if field in changes and changes[field] is None:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"{field}: must not be null")
    if not changes:  # nothing to change: the profile as it is
        return UserPublic.model_validate(await _existing(db, user_id))
    data = {_AUTH_FIELDS.get(field, field): value for field, value in changes.items()}
    return UserPublic.model_validate(await identity.update_user(actor=caller, user_id=user_id, data=data))


@router.put(
    "/{user_id}/role",
    summary="Set a user's role",
    responses=error_responses(ErrorCode.CANNOT_CHANGE_OWN_ROLE, ErrorCode.USER_NOT_FOUND, ErrorCode.INVALID_ROLE),
)
async def set_role(
    admin: AdminUser, caller: CurrentPrincipal, identity: IdentityDep, user_id: UserId, body: RoleUpdate
) -> UserAdmin:
    """Give a user a role (admin only; admins cannot change their own role, so one always remains)."""
    if body.role not in ROLE_NAMES:
        raise ApiError(ErrorCode.INVALID_ROLE, f"Role must be one of: {', '.join(ROLE_NAMES)}.")
    if user_id == admin.id:
        raise ApiError(ErrorCode.CANNOT_CHANGE_OWN_ROLE, "Administrators cannot change their own role.")
    return UserAdmin.model_validate(await identity.set_role(actor=caller, user_id=user_id, role=body.role))


@router.post(
    "/{user_id}/ban",
    summary="Ban a user",
    responses=error_responses(ErrorCode.CANNOT_BAN_SELF, ErrorCode.USER_NOT_FOUND),
)
async def ban_user(
    admin: AdminUser, caller: CurrentPrincipal, identity: IdentityDep, user_id: UserId, body: BanRequest
) -> UserAdmin:
    """Ban a user, optionally for a while, and revoke all their sessions (admin only, never oneself)."""
    if user_id == admin.id:
        raise ApiError(ErrorCode.CANNOT_BAN_SELF, "Administrators cannot ban themselves.")
    user, _revoked = await identity.ban_user(
        actor=caller, user_id=user_id, reason=body.reason or None, expires_in_seconds=body.expires_in_seconds
    )
    return UserAdmin.model_validate(user)


@router.delete("/{user_id}/ban", summary="Unban a user", responses=error_responses(ErrorCode.USER_NOT_FOUND))
async def unban_user(_admin: AdminUser, caller: CurrentPrincipal, identity: IdentityDep, user_id: UserId) -> UserAdmin:
    """Lift a user's ban (admin only)."""
    return UserAdmin.model_validate(await identity.unban_user(actor=caller, user_id=user_id))
