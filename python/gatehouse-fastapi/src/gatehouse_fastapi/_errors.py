"""The package's one exception, `AuthError`, and its HTTP answer: an RFC 6750 challenge plus `{code, message}`;
and the answer to a database that cannot serve (`database_unavailable_handler`: 503 `DATABASE_UNAVAILABLE`).

RFC 6750 §3: a request without credentials gets `WWW-Authenticate: Bearer realm="..."` and no error code;
an invalid, expired or revoked credential adds `error="invalid_token"` (401); a valid credential that lacks
what the resource needs gets `error="insufficient_scope"` (403). Codes are the contract's (`ErrorCode`):
401 `UNAUTHORIZED`; 403 `BANNED_USER`, `EMAIL_NOT_VERIFIED`, `FORBIDDEN`, `MFA_REQUIRED` or
`REAUTHENTICATION_REQUIRED`. The origin check's 403s (`INVALID_ORIGIN`, `MISSING_OR_NULL_ORIGIN`) carry the bare
challenge on purpose: nothing is wrong with the credential's scope, and the same request with a Bearer credential
instead of the session cookie would pass.
"""

import logging
from typing import Literal

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gatehouse_fastapi._contract import ERROR_STATUS, ErrorCode
from gatehouse_fastapi._database import is_database_unavailable

log = logging.getLogger("gatehouse_fastapi")

BearerError = Literal["invalid_request", "invalid_token", "insufficient_scope"]

DEFAULT_REALM = "gatehouse"
# The 403 MFA_REQUIRED message of every admin and step-up check (the web app asks for a code and retries).
MFA_REQUIRED_MESSAGE = "This action needs a session signed in with a second factor."


def _quoted(value: str) -> str:
    # RFC 6750 §3: error_description is limited to printable ASCII except `"` and `\`.
    return "".join(ch for ch in value if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\')


def bearer_challenge(realm: str, error: BearerError | None = None, description: str | None = None) -> str:
    """A `WWW-Authenticate` value: `Bearer realm="..."[, error="...", error_description="..."]` (RFC 6750 §3)."""
    parts = [f'realm="{_quoted(realm)}"']
    if error is not None:
        parts.append(f'error="{error}"')
        if description:
            parts.append(f'error_description="{_quoted(description)}"')
    return "Bearer " + ", ".join(parts)


class AuthError(HTTPException):
    """Authentication or authorisation failed. Answered as `{code, message}` with the status the contract
    gives `code` and an RFC 6750 `WWW-Authenticate` challenge.

    It is a Starlette `HTTPException`, so an app that did not register `auth_error_handler` still answers
    with the right status and challenge (and FastAPI's `{"detail": message}` body).

    Attributes: `code` (ErrorCode), `message` (str, safe to show), `error` (RFC 6750 error or None),
    `status_code` (int), `headers` (dict with `WWW-Authenticate`).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        error: BearerError | None = None,
        realm: str = DEFAULT_REALM,
    ) -> None:
        self.code = code
        self.message = message
        self.error = error
        super().__init__(
            status_code=ERROR_STATUS[code],
            detail=message,
            headers={"WWW-Authenticate": bearer_challenge(realm, error, message)},
        )

    @classmethod
    def unauthorized(cls, message: str, *, presented: bool, realm: str = DEFAULT_REALM) -> "AuthError":
        """401 `UNAUTHORIZED`: `invalid_token` if a credential was presented, a bare challenge if none was."""
        return cls(ErrorCode.UNAUTHORIZED, message, error="invalid_token" if presented else None, realm=realm)

    @classmethod
    def forbidden(cls, code: ErrorCode, message: str, *, realm: str = DEFAULT_REALM) -> "AuthError":
        """403 with `insufficient_scope`: the credential is valid, but not enough for this resource."""
        return cls(code, message, error="insufficient_scope", realm=realm)


async def auth_error_handler(_request: Request, exc: Exception) -> Response:
    """The exception handler for `AuthError`: `{code, message}` with its status and challenge.

    Register it with `FastAPI(exception_handlers=auth.exception_handlers)` or
    `app.add_exception_handler(AuthError, auth_error_handler)`. Raises TypeError for any other exception.
    """
    if not isinstance(exc, AuthError):
        raise TypeError(f"auth_error_handler cannot answer {type(exc).__name__}")
    return JSONResponse(
        {"code": exc.code.value, "message": exc.message}, status_code=exc.status_code, headers=exc.headers
    )


DATABASE_RETRY_AFTER_SECONDS = 5
"""`Retry-After` of a 503 `DATABASE_UNAVAILABLE` (RFC 9110 §10.2.3); the Gatehouse backend sends the same."""

DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
"""The `message` of that 503, here and in the Gatehouse backend."""


async def database_unavailable_handler(_request: Request, exc: Exception) -> Response:
    """The exception handler for database errors (`sqlalchemy.exc.SQLAlchemyError`, `OSError`) escaping a
    request: 503 `DATABASE_UNAVAILABLE` `{code, message}` with `Retry-After` when `is_database_unavailable(exc)`
    (the database down, the pool exhausted past its timeout, a lost connection); any other error is raised again,
    for the app's own 500.
    """
    if not is_database_unavailable(exc):
        raise exc
    log.warning("database unavailable: %r", exc)
    return JSONResponse(
        {"code": ErrorCode.DATABASE_UNAVAILABLE.value, "message": DATABASE_UNAVAILABLE_MESSAGE},
        status_code=ERROR_STATUS[ErrorCode.DATABASE_UNAVAILABLE],
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )
