"""The backend's error registry and its one set of handlers: every error body is `{code, message}`.

A database that cannot serve (refused, lost, timed out, busy) is 503 `DATABASE_UNAVAILABLE` with `Retry-After`
on every route, not a 500: the condition is temporary and the next request after it ends succeeds. Other
unknown errors become 500 `{code: "INTERNAL_ERROR", message, request_id}`: the detail goes to the log line
carrying the same request id, never to the client.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from gatehouse_fastapi import AuthError, auth_error_handler
from gatehouse_fastapi._contract import ERROR_DESCRIPTION, ERROR_STATUS, ErrorCode

# What counts as the database being unavailable (a 503): the package's rule, which also counts the backend's
# `ReadConnectionBrokenError` (a `DatabaseUnavailableError`).
from gatehouse_fastapi._database import is_database_unavailable
from gatehouse_fastapi._errors import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var

log = logging.getLogger("gatehouse.errors")


# The codes, their statuses and meanings come from contract/gatehouse.json (shared with the auth server), so
# both services answer the same code with the same status for the same condition.
__all__ = [
    "ERROR_DESCRIPTION",
    "ERROR_STATUS",
    "ApiError",
    "ErrorBody",
    "ErrorCode",
    "InternalErrorBody",
    "error_response",
    "error_responses",
    "install_error_handlers",
]


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
        by_status.setdefault(ERROR_STATUS[code], []).append(code)
    return {
        status: {
            "description": " ".join(f"`{code.value}`: {ERROR_DESCRIPTION[code]}" for code in group),
            "x-error-codes": [code.value for code in group],
        }
        for status, group in sorted(by_status.items())
    }


class ApiError(Exception):
    """Raise anywhere to answer `{code, message}` with the status the contract gives `code`.

    There is no status argument: a code is answered with one status everywhere, on both services.
    """

    def __init__(self, code: ErrorCode, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers

    @property
    def status_code(self) -> int:
        """The HTTP status of `code` (contract/gatehouse.json)."""
        return ERROR_STATUS[self.code]


# Starlette's own HTTP errors (routing, body parsing) in the contract's vocabulary.
_STATUS_CODES = {
    400: (ErrorCode.BAD_REQUEST, "Bad request."),
    404: (ErrorCode.NOT_FOUND, "Not found."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "Request body too large."),
    431: (ErrorCode.HEADERS_TOO_LARGE, "Request headers too large."),
}


def error_response(code: ErrorCode, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one place an error body is built; the status is the contract's for `code`."""
    return JSONResponse({"code": code.value, "message": message}, status_code=ERROR_STATUS[code], headers=headers)


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
    return error_response(exc.code, exc.message, exc.headers)


def _is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON as FastAPI reads it (application/json or a +json type, RFC 6839)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """400 `VALIDATION_ERROR`, or what the auth server answers for the same body (better-call's body reading):
    400 `INVALID_JSON` for JSON that does not parse, 415 `UNSUPPORTED_MEDIA_TYPE` for a body sent as anything
    but JSON (or without a Content-Type), which FastAPI leaves unparsed so that it fails the route's schema."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(ErrorCode.INVALID_JSON, "The request body is not valid JSON.")
    # FastAPI hands the route the raw bytes of a body it did not read as JSON (by its Content-Type).
    unread = isinstance(exc.body, bytes | bytearray) and len(exc.body) > 0
    if unread and not _is_json(request.headers.get("content-type")):
        return error_response(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body must be JSON (Content-Type: application/json)."
        )
    return error_response(ErrorCode.VALIDATION_ERROR, _describe(exc))


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
"""The methods a route here may serve (`HEAD` is answered wherever `GET` is, app/core/head.py; `OPTIONS` by CORS)."""


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves the request's path with, sorted: the `Allow` of a 405 (RFC 9110 §15.5.6),
    as the auth server lists it (auth-server/src/middleware/allowed-methods.ts). Starlette names only the first
    route whose path matched, so `PUT /api/v1/tasks` said `Allow: GET` although `POST` is served there too. Each
    method is asked of the routes as the router would ask it (`BaseRoute.matches`), included routers too; a mount
    matches every method (its app decides), so mounts are left out."""
    routes = [route for route in routes if not isinstance(route, Mount)]
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {}) or None
    if exc.status_code == 405:
        # A mounted app's own 405 (Swagger UI's static files) names its methods itself: kept, without HEAD.
        own = [m.strip().upper() for m in (headers or {}).get("Allow", "").split(",") if m.strip()]
        methods = allowed_methods(request.app.router.routes, request.scope) or sorted(set(own) - {"HEAD"})
        if methods:
            allow = ", ".join(methods)
            message = f"{request.method} is not allowed on {request.url.path}; use {allow}."
            return error_response(ErrorCode.METHOD_NOT_ALLOWED, message, {**(headers or {}), "Allow": allow})
    known = _STATUS_CODES.get(exc.status_code)
    if known is None:  # nothing in the app raises other statuses; a code keeps its contract status regardless
        code = ErrorCode.INTERNAL_ERROR if exc.status_code >= 500 else ErrorCode.BAD_REQUEST
        return error_response(code, str(exc.detail), headers)
    return error_response(known[0], known[1], headers)


RETRY_AFTER_SECONDS = DATABASE_RETRY_AFTER_SECONDS
"""`Retry-After` of the 503s (database or auth server unavailable): long enough for a restart or failover; the
package's value, so an app using gatehouse-fastapi alone answers a database outage as this backend does."""


def unavailable_response(code: ErrorCode, message: str) -> JSONResponse:
    """503 `code` with `Retry-After` (RFC 9110 §10.2.3)."""
    return error_response(code, message, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error_response() -> JSONResponse:
    """500 `INTERNAL_ERROR` with the current request id and nothing about the cause."""
    body = {
        "code": ErrorCode.INTERNAL_ERROR.value,
        "message": "Internal server error.",
        "request_id": request_id_var.get(),
    }
    return JSONResponse(body, status_code=500)


def unhandled_error_response(exc: BaseException) -> JSONResponse:
    """The answer to an exception no handler expected: 503 when the database is unavailable, else 500; logged."""
    if is_database_unavailable(exc):
        log.warning("database unavailable", extra={"error": repr(exc)})
        return unavailable_response(ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE)
    log.error("unhandled error", exc_info=exc)
    return internal_error_response()


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    return unhandled_error_response(exc)


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
            await unhandled_error_response(exc)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers so nothing leaves the app without a `{code, message}` body.

    Call before adding other middleware: the unhandled-error layer must sit inside them.
    """
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(AuthError, auth_error_handler)  # gatehouse-fastapi's 401/403 with their challenge
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Last resort for errors raised by the outer middleware themselves.
    app.add_exception_handler(Exception, _unhandled)
    app.add_middleware(UnhandledErrorMiddleware)
