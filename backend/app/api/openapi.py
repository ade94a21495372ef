"""The OpenAPI document: metadata, and the error responses and credentials each route really has.

Routes declare only their own error codes (`error_responses(ErrorCode.TASK_NOT_FOUND)`); what follows from
their dependencies is added here, so the document cannot drift from the code: a route behind `CurrentUser`
answers 401 `UNAUTHORIZED` and 403 `BANNED_USER`, `VerifiedUser` adds `EMAIL_NOT_VERIFIED`, `AdminUser`
adds `FORBIDDEN`, a body adds 413, 400 `INVALID_JSON` and 415, parameters add 400 `VALIDATION_ERROR`, the
database (directly or behind a credential) adds 503 `DATABASE_UNAVAILABLE`, an identity change (made by the
auth server) 503 `AUTH_SERVER_UNAVAILABLE`, and every route may answer 431 (request head too large) and 500.
Each error status lists its codes in `x-error-codes` and points at the one `{code, message}` schema; codes and
statuses are the contract's (contract/gatehouse.json).

This module builds documents for an app it is given; `python -m app.openapi_export` writes backend/openapi.json.
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from gatehouse_fastapi import SAFE_METHODS, error_codes
from pydantic.json_schema import models_json_schema

from app.api.deps import get_db, get_identity
from app.errors import ERROR_DESCRIPTION, ERROR_STATUS, ErrorBody, ErrorCode, InternalErrorBody

DESCRIPTION = """
Gatehouse's resource API. Identity belongs to the auth server (better-auth, `/api/auth`); this service
verifies its credentials itself and serves tasks, users, sessions and the audit log.

**Credentials** (any one): `Authorization: Bearer <JWT>` from `/api/auth/token` (EdDSA, 15 minutes),
`Authorization: Bearer <session token>` from the `set-auth-token` header, or the `better-auth.session_token`
cookie.

**Errors** are always `{"code": "UPPER_SNAKE", "message": "…"}`; each response lists its codes in
`x-error-codes`. A 500 adds `request_id`.

**Request ids**: send `X-Request-ID` (1 to 128 of `A-Z a-z 0-9 . _ : -`) to find a call in the logs of both
services; otherwise one is generated. Either way it is returned in `X-Request-ID`.

**Lists** answer `{"data": [...], "count": total}` and page with `limit` and `offset`.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "health", "description": "Liveness and database readiness (no credentials)."},
    {"name": "auth", "description": "The caller: their session, profile and sign-in methods."},
    {"name": "tasks", "description": "The caller's tasks (verified email required)."},
    {"name": "users", "description": "Profiles for their owner; search, roles and bans for admins."},
    {"name": "sessions", "description": "A user's sessions: list and revoke (owner or admin)."},
    {"name": "admin", "description": "Administration: the audit log both services write."},
]

SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A JWT from /api/auth/token, or the session token from the set-auth-token header.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "better-auth.session_token",
        "description": (
            "better-auth's signed session cookie (`__Secure-` prefixed over HTTPS). A write it authenticates must "
            "come from a trusted page: `Origin` (else `Referer`) in CORS_ORIGINS or this API's own origin, else 403 "
            "`INVALID_ORIGIN` / `MISSING_OR_NULL_ORIGIN`."
        ),
    },
}

_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
_INTERNAL_SCHEMA = {"$ref": "#/components/schemas/InternalErrorBody"}


def metadata() -> dict[str, Any]:
    """Keyword arguments for `FastAPI(...)`: description and tags (the docs pages are served by app.core.docs)."""
    return {"description": DESCRIPTION.strip(), "openapi_tags": TAGS, "docs_url": None, "redoc_url": None}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


_ORIGIN_CODES = {ErrorCode.INVALID_ORIGIN, ErrorCode.MISSING_OR_NULL_ORIGIN}
"""Answered only to a state-changing method (gatehouse-fastapi's origin check for the session cookie)."""


def _implied_codes(route: RouteContext, method: str) -> set[ErrorCode]:
    calls = set(_calls(route.dependant))
    codes = {ErrorCode.INTERNAL_ERROR, ErrorCode.HEADERS_TOO_LARGE}  # any request may carry too large a head
    credential = False
    for call in calls:  # gatehouse-fastapi's dependencies say which codes they answer
        answered = error_codes(call)
        codes.update(answered)
        credential = credential or bool(answered)
    if method in SAFE_METHODS:
        codes -= _ORIGIN_CODES
    if credential or get_db in calls:  # a credential may need the database to be checked
        codes.add(ErrorCode.DATABASE_UNAVAILABLE)
    if get_identity in calls:  # the change is made by the auth server
        codes.add(ErrorCode.AUTH_SERVER_UNAVAILABLE)
    if route.body_field is not None:  # a body that is too large, not JSON, or not sent as JSON (app.errors)
        codes.update((ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.INVALID_JSON, ErrorCode.UNSUPPORTED_MEDIA_TYPE))
    return codes


def _complete_operation(operation: dict[str, Any], route: RouteContext, method: str) -> None:
    responses: dict[str, Any] = operation["responses"]
    codes = _implied_codes(route, method)
    if responses.pop("422", None) is not None:  # FastAPI's own validation answer is replaced by our 400
        codes.add(ErrorCode.VALIDATION_ERROR)
    declared = {ErrorCode(code) for response in responses.values() for code in response.get("x-error-codes", [])}
    by_status: dict[str, list[ErrorCode]] = {}
    for code in sorted(codes | declared, key=lambda c: (ERROR_STATUS[c], c.value)):
        by_status.setdefault(str(ERROR_STATUS[code]), []).append(code)
    for status, group in by_status.items():
        responses[status] = {
            "description": " ".join(f"`{code.value}`: {ERROR_DESCRIPTION[code]}" for code in group),
            "content": {"application/json": {"schema": _INTERNAL_SCHEMA if status == "500" else _ERROR_SCHEMA}},
            "x-error-codes": [code.value for code in group],
        }
    for status, response in responses.items():  # errors declared by description only (e.g. 503)
        if status >= "400" and "content" not in response:
            response["content"] = {"application/json": {"schema": _ERROR_SCHEMA}}
    if any(ErrorCode.UNAUTHORIZED in error_codes(call) for call in _calls(route.dependant)):
        operation["security"] = [{"bearer": []}, {"sessionCookie": []}]
    operation["responses"] = dict(sorted(responses.items()))


def complete_schema(schema: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Add implied error responses, the credentials each route takes, and drop FastAPI's validation schemas."""
    for route in iter_route_contexts(routes):  # routes of included routers too, with their prefixes
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _complete_operation(operation, route, method)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _, error_schemas = models_json_schema(
        [(ErrorBody, "serialization"), (InternalErrorBody, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    schemas.update(error_schemas["$defs"])
    components["schemas"] = dict(sorted(schemas.items()))
    components["securitySchemes"] = SECURITY_SCHEMES
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json) return the completed document, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete_schema(FastAPI.openapi(app), app.routes)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
