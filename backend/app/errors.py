"""The backend's error registry and its one set of handlers: every error body is `{code, message}`.

Unknown errors become 500 `{code: "INTERNAL_ERROR", message, request_id}`: the detail goes to the log
line carrying the same request id, never to the client.
"""

import logging
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var

log = logging.getLogger("gatehouse.errors")


class ErrorCode(StrEnum):
    """Stable, UPPER_SNAKE error identifiers clients may switch on."""

    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    USER_BANNED = "USER_BANNED"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    TASK_NOT_FOUND = "TASK_NOT_FOUND"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    CANNOT_BAN_SELF = "CANNOT_BAN_SELF"
    CANNOT_CHANGE_OWN_ROLE = "CANNOT_CHANGE_OWN_ROLE"
    ROLE_NOT_ASSIGNABLE = "ROLE_NOT_ASSIGNABLE"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    HTTP_ERROR = "HTTP_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"


# The status each code is answered with and what it means, for the OpenAPI document.
ERROR_STATUS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.NOT_AUTHENTICATED: (401, "No credential, or an invalid, expired or revoked one."),
    ErrorCode.USER_BANNED: (403, "The account is banned."),
    ErrorCode.EMAIL_NOT_VERIFIED: (403, "The account's email address is not verified yet."),
    ErrorCode.FORBIDDEN: (403, "The caller lacks the role or ownership this needs."),
    ErrorCode.NOT_FOUND: (404, "No such route."),
    ErrorCode.TASK_NOT_FOUND: (404, "No such task among the caller's."),
    ErrorCode.USER_NOT_FOUND: (404, "No such user."),
    ErrorCode.SESSION_NOT_FOUND: (404, "No such session for this user."),
    ErrorCode.CANNOT_BAN_SELF: (400, "Administrators cannot ban themselves."),
    ErrorCode.CANNOT_CHANGE_OWN_ROLE: (400, "Administrators cannot change their own role."),
    ErrorCode.ROLE_NOT_ASSIGNABLE: (422, "The role is not in ASSIGNABLE_ROLES."),
    ErrorCode.VALIDATION_ERROR: (422, "A parameter or body field is missing or invalid."),
    ErrorCode.METHOD_NOT_ALLOWED: (405, "The route does not support this method."),
    ErrorCode.PAYLOAD_TOO_LARGE: (413, "The request body is larger than MAX_BODY_BYTES."),
    ErrorCode.DATABASE_UNAVAILABLE: (503, "The database cannot be reached."),
    ErrorCode.HTTP_ERROR: (400, "Another HTTP error."),
    ErrorCode.INTERNAL_ERROR: (500, "An unexpected error; its detail is logged under the request id."),
}


class ErrorBody(BaseModel):
    """Every error response: a stable code to switch on and a sentence for people."""

    code: ErrorCode = Field(description="Stable UPPER_SNAKE identifier.")
    message: str = Field(description="Human-readable explanation.")


class InternalErrorBody(ErrorBody):
    """A 500: the request id finds the detail in the logs."""

    request_id: str | None = Field(description="The X-Request-ID of the failed request.")


def error_responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route's own error codes, by status (app.api.openapi adds the body schema
    and the codes its dependencies imply)."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in codes:
        by_status.setdefault(ERROR_STATUS[code][0], []).append(code)
    return {
        status: {
            "description": " ".join(f"`{code.value}`: {ERROR_STATUS[code][1]}" for code in group),
            "x-error-codes": [code.value for code in group],
        }
        for status, group in sorted(by_status.items())
    }


class ApiError(Exception):
    """Raise anywhere to answer with `{code, message}` and the given status."""

    def __init__(
        self, status_code: int, code: ErrorCode, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers


_STATUS_CODES = {
    404: (ErrorCode.NOT_FOUND, "Not found."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "Request body too large."),
}


def error_response(
    status_code: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one place an error body is built."""
    return JSONResponse({"code": code.value, "message": message}, status_code=status_code, headers=headers)


def _describe(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "Invalid request."
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "request"
    extra = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid value')}{extra}"


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, ErrorCode.VALIDATION_ERROR, _describe(exc))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _STATUS_CODES.get(exc.status_code, (ErrorCode.HTTP_ERROR, str(exc.detail)))
    return error_response(exc.status_code, code, message, dict(exc.headers or {}) or None)


def internal_error_response() -> JSONResponse:
    """500 `INTERNAL_ERROR` with the current request id and nothing about the cause."""
    body = {
        "code": ErrorCode.INTERNAL_ERROR.value,
        "message": "Internal server error.",
        "request_id": request_id_var.get(),
    }
    return JSONResponse(body, status_code=500)


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return internal_error_response()


class UnhandledErrorMiddleware:
    """Turns an exception escaping a route into the 500 body, inside the other middleware.

    Starlette would handle it in its outermost layer, after the request-id, CORS and security-header
    middleware have unwound: the 500 would carry none of their headers and its log line no request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            if started:  # too late for a body of our own; the server closes the connection
                raise
            log.error("unhandled error", exc_info=exc)
            await internal_error_response()(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers so nothing leaves the app without a `{code, message}` body.

    Call before adding other middleware: the unhandled-error layer must sit inside them.
    """
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Last resort for errors raised by the outer middleware themselves.
    app.add_exception_handler(Exception, _unhandled)
    app.add_middleware(UnhandledErrorMiddleware)
