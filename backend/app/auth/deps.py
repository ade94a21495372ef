"""FastAPI dependencies: `CurrentPrincipal`, `CurrentUser`, `VerifiedUser`, `AdminUser`, `require_role`.

Verification returns None on failure; only here does None become a 401 (with `WWW-Authenticate: Bearer`)
and a live ban a 403 `BANNED_USER`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.auth.authenticator import Authenticator
from app.auth.principal import AuthUser, Principal
from app.errors import ApiError, ErrorCode
from app.models import utcnow

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_authenticator(request: Request) -> Authenticator:
    """The app's authenticator (built once in the app factory). `async` so FastAPI does not hop to its thread
    pool for it: that hop alone cost more than the whole cached credential check."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


async def get_current_principal(
    request: Request, authenticator: Annotated[Authenticator, Depends(get_authenticator)]
) -> Principal:
    """The authenticated, unbanned caller; 401 / 403 otherwise."""
    principal = await authenticator.authenticate(request.headers.get("authorization"), request.cookies)
    if principal is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "Missing or invalid credentials.", headers=_CHALLENGE)
    if principal.user.is_banned(utcnow()):
        raise ApiError(ErrorCode.BANNED_USER, "This account is banned.")
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


async def get_current_user(principal: CurrentPrincipal) -> AuthUser:
    """The authenticated user."""
    return principal.user


CurrentUser = Annotated[AuthUser, Depends(get_current_user)]


async def require_verified_email(user: CurrentUser) -> AuthUser:
    """The authenticated user, if their email address is verified; 403 otherwise."""
    if not user.email_verified:
        raise ApiError(ErrorCode.EMAIL_NOT_VERIFIED, "Verify your email address first.")
    return user


VerifiedUser = Annotated[AuthUser, Depends(require_verified_email)]


def require_role(*roles: str) -> Callable[[AuthUser], Awaitable[AuthUser]]:
    """A dependency admitting users holding at least one of `roles`; 403 otherwise."""
    if not roles:
        raise ValueError("require_role needs at least one role")
    wanted = frozenset(roles)

    async def _require_role(user: CurrentUser) -> AuthUser:
        if not user.roles & wanted:
            raise ApiError(ErrorCode.FORBIDDEN, "You do not have permission to do this.")
        return user

    return _require_role


async def require_admin(request: Request, user: CurrentUser) -> AuthUser:
    """The authenticated user, if they hold one of the configured admin roles."""
    admin_roles: frozenset[str] = request.app.state.admin_roles
    if not user.roles & admin_roles:
        raise ApiError(ErrorCode.FORBIDDEN, "Administrator role required.")
    return user


AdminUser = Annotated[AuthUser, Depends(require_admin)]


def is_admin(request: Request, user: AuthUser) -> bool:
    """Whether `user` holds an admin role (for routes open to both self and admins)."""
    admin_roles: frozenset[str] = request.app.state.admin_roles
    return bool(user.roles & admin_roles)
