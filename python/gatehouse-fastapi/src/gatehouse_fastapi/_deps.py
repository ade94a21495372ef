"""FastAPI dependencies: `CurrentPrincipal`, `CurrentUser`, `OptionalUser`, `VerifiedUser`, `AdminUser`,
`require_role(...)`, `require_mfa()`, `require_recent_auth(max_age=...)`.

Verification answers None on failure; only here does None become a 401 and a ban in force a 403, both as
`AuthError` (RFC 6750 challenge + `{code, message}`). Every dependency is `async`, so FastAPI does not hop
to its thread pool for it (that hop alone costs more than a cached credential check).
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, TypeVar
from weakref import WeakKeyDictionary

from fastapi import Depends
from starlette.requests import HTTPConnection

from gatehouse_fastapi._contract import ErrorCode
from gatehouse_fastapi._errors import MFA_REQUIRED_MESSAGE, AuthError
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal
from gatehouse_fastapi._origin import origin_refusal
from gatehouse_fastapi._time import utcnow

if TYPE_CHECKING:
    from gatehouse_fastapi._gatehouse import Gatehouse

_F = TypeVar("_F", bound=Callable[..., object])


def _gatehouse(connection: HTTPConnection) -> "Gatehouse":
    # Lifespan state first (per request, survives app copies), then app.state (apps composing their lifespan).
    found = connection.scope.get("state", {}).get("gatehouse") or getattr(connection.app.state, "gatehouse", None)
    if found is None:
        raise RuntimeError("no running Gatehouse: pass lifespan=auth.lifespan to FastAPI(...)")
    gatehouse: Gatehouse = found
    return gatehouse


# The principal is resolved once per request, whichever dependencies ask (kept in the ASGI scope).
_SCOPE_KEY = "gatehouse.principal"
_ANONYMOUS = object()
_CODES: "WeakKeyDictionary[Callable[..., object], tuple[ErrorCode, ...]]" = WeakKeyDictionary()


def error_codes(dependency: Callable[..., object]) -> tuple[ErrorCode, ...]:
    """The error codes a dependency of this package may answer with (for OpenAPI documents); () for others."""
    return _CODES.get(dependency, ())


def _documents(*codes: ErrorCode) -> Callable[[_F], _F]:
    def register(fn: _F) -> _F:
        _CODES[fn] = codes
        return fn

    return register


async def _principal(connection: HTTPConnection, *, required: bool) -> Principal | None:
    gatehouse = _gatehouse(connection)
    cached = connection.scope.get(_SCOPE_KEY)
    if isinstance(cached, Principal):
        return cached
    if cached is None:
        principal = await gatehouse.authenticate(connection)
        if principal is not None:
            if principal.credential is CredentialKind.COOKIE:  # the one credential a browser sends by itself
                refusal = origin_refusal(connection, gatehouse.trusted_origins)
                if refusal is not None:
                    raise AuthError(*refusal, realm=gatehouse.realm)
            if principal.user.is_banned(utcnow()):
                raise AuthError.forbidden(ErrorCode.BANNED_USER, "This account is banned.", realm=gatehouse.realm)
            connection.scope[_SCOPE_KEY] = principal
            return principal
        if gatehouse.presented_credential(connection):
            message = "The credential is invalid, expired or revoked."
            raise AuthError.unauthorized(message, presented=True, realm=gatehouse.realm)
        connection.scope[_SCOPE_KEY] = _ANONYMOUS
    if required:
        raise AuthError.unauthorized("Authentication required.", presented=False, realm=gatehouse.realm)
    return None


async def _user(connection: HTTPConnection) -> AuthUser:
    principal = await _principal(connection, required=True)
    assert principal is not None
    return principal.user


def _forbidden(connection: HTTPConnection, code: ErrorCode, message: str) -> AuthError:
    return AuthError.forbidden(code, message, realm=_gatehouse(connection).realm)


# Each dependency is one flat function of the connection: nested FastAPI dependencies cost more per request than
# the whole cached credential check.
_AUTHENTICATED = (
    ErrorCode.UNAUTHORIZED,
    ErrorCode.BANNED_USER,
    ErrorCode.INVALID_ORIGIN,  # a session cookie on a state-changing request from an untrusted origin
    ErrorCode.MISSING_OR_NULL_ORIGIN,
)


@_documents(*_AUTHENTICATED)
async def current_principal(connection: HTTPConnection) -> Principal:
    """The authenticated, unbanned caller with their session. Raises `AuthError` 401 `UNAUTHORIZED` (no,
    invalid, expired or revoked credential), 403 `BANNED_USER` (a ban in force), or 403 `INVALID_ORIGIN` /
    `MISSING_OR_NULL_ORIGIN` (the session cookie on a state-changing request or WebSocket handshake whose
    `Origin` is not trusted: `Gatehouse(trusted_origins=...)`).
    """
    principal = await _principal(connection, required=True)
    assert principal is not None
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
"""The caller's `Principal` (user, session, credential kind); 401 / 403 as `current_principal`."""


@_documents(*_AUTHENTICATED)
async def current_user(connection: HTTPConnection) -> AuthUser:
    """The authenticated, unbanned user (see `current_principal` for the errors)."""
    return await _user(connection)


CurrentUser = Annotated[AuthUser, Depends(current_user)]
"""The caller's `AuthUser`; 401 `UNAUTHORIZED` / 403 `BANNED_USER` otherwise."""


@_documents(*_AUTHENTICATED)
async def optional_user(connection: HTTPConnection) -> AuthUser | None:
    """The caller's user, or None when the request carries no credential at all. A credential that is
    presented but invalid still answers 401 (RFC 6750 §3.1: the client must learn its token is dead), and
    a banned user 403.
    """
    principal = await _principal(connection, required=False)
    return None if principal is None else principal.user


OptionalUser = Annotated[AuthUser | None, Depends(optional_user)]
"""`AuthUser` or None for an anonymous request; 401 / 403 for a bad credential or a ban."""


@_documents(*_AUTHENTICATED, ErrorCode.EMAIL_NOT_VERIFIED)
async def verified_user(connection: HTTPConnection) -> AuthUser:
    """The authenticated user, if their email address is verified; 403 `EMAIL_NOT_VERIFIED` otherwise."""
    user = await _user(connection)
    if not user.email_verified:
        raise _forbidden(connection, ErrorCode.EMAIL_NOT_VERIFIED, "Verify your email address first.")
    return user


VerifiedUser = Annotated[AuthUser, Depends(verified_user)]
"""The caller's `AuthUser` with a verified email; 401 / 403 `EMAIL_NOT_VERIFIED` otherwise."""


@_documents(*_AUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED)
async def admin_user(connection: HTTPConnection) -> AuthUser:
    """The authenticated user, if they hold one of the configured admin roles; 403 `FORBIDDEN` otherwise.
    With `Gatehouse(admin_require_mfa=True)` (ADMIN_REQUIRE_MFA) the session must also be multi-factor
    (403 `MFA_REQUIRED`), checked after the role so a non-admin learns nothing about the admin rule.
    """
    principal = await current_principal(connection)
    _gatehouse(connection).require_admin(principal)
    return principal.user


AdminUser = Annotated[AuthUser, Depends(admin_user)]
"""The caller's `AuthUser` holding an admin role (`Gatehouse(admin_roles=...)`); 403 `FORBIDDEN` otherwise, and
`MFA_REQUIRED` under `admin_require_mfa` without a second factor."""


def require_role(*roles: str) -> Callable[[HTTPConnection], Awaitable[AuthUser]]:
    """A dependency admitting users that hold at least one of `roles` (exact names, as better-auth's admin
    plugin compares them); 403 `FORBIDDEN` otherwise. A caller admitted only through admin roles
    (`Gatehouse(admin_roles=...)`) is held to the admin rule too (`Gatehouse.require_admin`: 403 `MFA_REQUIRED`
    under `admin_require_mfa` without a second factor). Use as `Depends(require_role("admin"))` or in
    `Annotated[AuthUser, Depends(require_role("editor", "admin"))]`. Raises ValueError without roles.
    """
    if not roles:
        raise ValueError("require_role needs at least one role")
    wanted = frozenset(roles)

    @_documents(*_AUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED)
    async def _require_role(connection: HTTPConnection) -> AuthUser:
        principal = await current_principal(connection)
        matched = principal.user.roles & wanted
        if not matched:
            raise _forbidden(connection, ErrorCode.FORBIDDEN, "You do not have permission to do this.")
        gatehouse = _gatehouse(connection)
        if matched <= gatehouse.admin_roles:  # admitted as an admin: the admin rule applies
            gatehouse.require_admin(principal)
        return principal.user

    return _require_role


def require_mfa() -> Callable[[HTTPConnection], Awaitable[Principal]]:
    """A dependency admitting callers whose session was authenticated with a second factor (`mfa` in the
    RFC 8176 `amr`: the JWT's claim, or the session row Gatehouse records for cookies and opaque tokens);
    403 `MFA_REQUIRED` otherwise, which the web app answers by asking for a code and retrying. Returns the
    `Principal`. Use as `Depends(require_mfa())` or `Annotated[Principal, Depends(require_mfa())]`.
    """

    @_documents(*_AUTHENTICATED, ErrorCode.MFA_REQUIRED)
    async def _require_mfa(connection: HTTPConnection) -> Principal:
        principal = await current_principal(connection)
        if not principal.session.is_multi_factor:
            raise _forbidden(connection, ErrorCode.MFA_REQUIRED, MFA_REQUIRED_MESSAGE)
        return principal

    return _require_mfa


def require_recent_auth(max_age: float = 600) -> Callable[[HTTPConnection], Awaitable[Principal]]:
    """A dependency admitting callers who proved a factor at most `max_age` seconds ago (OpenID Connect
    `auth_time`, as `max_age` in OIDC Core §3.1.2.1); 403 `REAUTHENTICATION_REQUIRED` otherwise, or when the
    time is unknown (fail closed). A future `auth_time` beyond 60 s of clock skew is refused too. Returns the
    `Principal`. Raises ValueError for a `max_age` that is not positive.
    """
    if max_age <= 0:
        raise ValueError("max_age must be a positive number of seconds")
    window = timedelta(seconds=max_age)
    skew = timedelta(seconds=60)

    @_documents(*_AUTHENTICATED, ErrorCode.REAUTHENTICATION_REQUIRED)
    async def _require_recent_auth(connection: HTTPConnection) -> Principal:
        principal = await current_principal(connection)
        at = principal.session.auth_time
        now = utcnow()
        if at is None or now - at > window or at - now > skew:
            raise _forbidden(
                connection, ErrorCode.REAUTHENTICATION_REQUIRED, "Confirm it is you: sign in again to continue."
            )
        return principal

    return _require_recent_auth
