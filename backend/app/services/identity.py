"""Identity changes, performed by the auth server: its internal admin API (auth-server/src/plugins/internal-admin).

The auth server is the one writer of the identity tables, so better-auth's hooks, the Redis copy of sessions, the
audit trail and the revocation feed run once, in one place; the backend asks it for every role, ban, profile and
session change and writes none itself.

Each call is `POST {AUTH_URL}/api/auth/internal/admin/<action>` with the exact JSON bytes and one service token in
`Gatehouse-Service-Token`: an HS256 JWT (RFC 7519, via PyJWT) keyed by HKDF-SHA256(BETTER_AUTH_SECRET, salt empty,
info "gatehouse internal admin api v1", 32 bytes) (RFC 5869), bound to this request only (`htm`/`htu` as in DPoP,
RFC 9449 §4.2, and `bsh` = base64url SHA-256 of the body), naming the acting user in `sub` and the session they
acted with in `sid` (OpenID Connect's session id claim), single use (`jti`), living 60 s. The auth server checks
that session again when it acts: ended since this worker checked it, the change is refused (403 `FORBIDDEN`), and an
admin-only change from a session without a second factor under ADMIN_REQUIRE_MFA is refused (403 `MFA_REQUIRED`).

Answers: the auth server's `{code, message}` errors are the contract's and pass through (403, 404, 400); its 503
`DATABASE_UNAVAILABLE` too. Unreachable, timed out or failing (5xx) → 503 `AUTH_SERVER_UNAVAILABLE` with
`Retry-After`. A refused service token (401) is this deployment's fault (the two services' BETTER_AUTH_SECRET
differ), never the caller's: a 500 whose cause is logged.
"""

import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from gatehouse_fastapi import Principal
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import ERROR_STATUS, RETRY_AFTER_SECONDS, ApiError, ErrorCode

log = logging.getLogger("gatehouse.identity")

# Names and claim values of the protocol, not credentials (the key is derived from BETTER_AUTH_SECRET).
INTERNAL_PREFIX = "/api/auth/internal/admin"
SERVICE_TOKEN_HEADER = "Gatehouse-Service-Token"  # noqa: S105
SERVICE_TOKEN_ISSUER = "gatehouse-backend"  # noqa: S105
SERVICE_TOKEN_AUDIENCE = "gatehouse-auth-internal"  # noqa: S105
SERVICE_TOKEN_KEY_INFO = b"gatehouse internal admin api v1"
SERVICE_TOKEN_LIFETIME_SECONDS = 60


def service_token_key(secret: str) -> bytes:
    """The HS256 key both services derive from BETTER_AUTH_SECRET (32 bytes)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SERVICE_TOKEN_KEY_INFO)
    return hkdf.derive(secret.encode())


def body_hash(body: bytes) -> str:
    """base64url(SHA-256(body)) without padding: the `bsh` claim."""
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()


def service_token(
    key: bytes, *, actor_id: str, session_id: str, path: str, body: bytes, now: float | None = None
) -> str:
    """A token for one `POST path` with exactly `body`, acting as `actor_id` through their session `session_id`."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": SERVICE_TOKEN_ISSUER,
        "aud": SERVICE_TOKEN_AUDIENCE,
        "sub": actor_id,
        "sid": session_id,
        "iat": issued,
        "exp": issued + SERVICE_TOKEN_LIFETIME_SECONDS,
        "jti": secrets.token_urlsafe(24),  # 192 random bits
        "htm": "POST",
        "htu": path,
        "bsh": body_hash(body),
    }
    return jwt.encode(claims, key, algorithm="HS256", headers={"typ": "JWT"})


class IdentityUser(BaseModel):
    """better-auth's user object as the internal API answers it (camelCase)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str
    email: str
    name: str
    image: str | None = None
    email_verified: bool = Field(alias="emailVerified")
    role: str | None = None
    banned: bool | None = None
    ban_reason: str | None = Field(default=None, alias="banReason")
    ban_expires: datetime | None = Field(default=None, alias="banExpires")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")


class _UserAnswer(BaseModel):
    user: IdentityUser


class _BanAnswer(BaseModel):
    user: IdentityUser
    revoked_session_ids: list[str] = Field(alias="revokedSessionIds")


class _RevokedAnswer(BaseModel):
    revoked_session_ids: list[str] = Field(alias="revokedSessionIds")


_Answer = TypeVar("_Answer", bound=BaseModel)


class IdentityClient:
    """The internal admin API for one backend worker.

    `after_change` runs after every successful change, before the route answers: it brings this worker's caches
    up to date (read-your-writes), since the feed would otherwise tell it only on its next read.
    """

    def __init__(
        self,
        *,
        auth_url: str,
        secret: str,
        http: httpx.AsyncClient,
        timeout_seconds: float,
        after_change: Callable[[], Awaitable[None]],
    ) -> None:
        self._base = auth_url.rstrip("/")
        self._key = service_token_key(secret)
        self._http = http
        self._timeout = timeout_seconds
        self._after_change = after_change

    async def set_role(self, *, actor: Principal, user_id: str, role: str) -> IdentityUser:
        """Give `user_id` the role `role` (one configured name)."""
        answer = await self._call("set-role", actor, {"userId": user_id, "role": role})
        return _parse(_UserAnswer, answer).user

    async def ban_user(
        self, *, actor: Principal, user_id: str, reason: str | None, expires_in_seconds: int | None
    ) -> tuple[IdentityUser, list[str]]:
        """Ban `user_id` (for `expires_in_seconds`, or for good); every session of theirs is revoked at once.
        Returns the user and the ids of the revoked sessions."""
        payload = {"userId": user_id, "banReason": reason, "banExpiresIn": expires_in_seconds}
        parsed = _parse(_BanAnswer, await self._call("ban-user", actor, payload))
        return parsed.user, parsed.revoked_session_ids

    async def unban_user(self, *, actor: Principal, user_id: str) -> IdentityUser:
        """Lift any ban on `user_id`."""
        return _parse(_UserAnswer, await self._call("unban-user", actor, {"userId": user_id})).user

    async def update_user(self, *, actor: Principal, user_id: str, data: dict[str, Any]) -> IdentityUser:
        """Change `name`, `image` and/or `emailVerified` (better-auth's field names) of `user_id`."""
        answer = await self._call("update-user", actor, {"userId": user_id, "data": data})
        return _parse(_UserAnswer, answer).user

    async def revoke_session(self, *, actor: Principal, user_id: str, session_id: str) -> list[str]:
        """Revoke one session of `user_id`; 404 SESSION_NOT_FOUND if it is not theirs."""
        answer = await self._call("revoke-session", actor, {"userId": user_id, "sessionId": session_id})
        return _parse(_RevokedAnswer, answer).revoked_session_ids

    async def revoke_sessions(self, *, actor: Principal, user_id: str) -> list[str]:
        """Revoke every session of `user_id`; returns their ids."""
        answer = await self._call("revoke-sessions", actor, {"userId": user_id})
        return _parse(_RevokedAnswer, answer).revoked_session_ids

    async def _call(self, action: str, actor: Principal, payload: dict[str, Any]) -> Any:
        path = f"{INTERNAL_PREFIX}/{action}"
        body = json.dumps(payload, separators=(",", ":")).encode()
        token = service_token(self._key, actor_id=actor.user.id, session_id=actor.session.id, path=path, body=body)
        headers = {"Content-Type": "application/json", SERVICE_TOKEN_HEADER: token}
        try:
            response = await self._http.post(self._base + path, content=body, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as exc:  # refused, unreachable, timed out, cut mid-answer
            log.warning("auth server unreachable", extra={"action": action, "error": repr(exc)})
            raise _unavailable() from exc
        if response.is_success:
            await self._after_change()
            return response.json()
        raise _answer_error(action, response)


def _parse(model: type[_Answer], answer: Any) -> _Answer:
    try:
        return model.model_validate(answer)
    except ValidationError as exc:  # the change happened; only its echo is unreadable
        log.error("unexpected answer from the auth server", extra={"error": repr(exc)})
        raise


def _unavailable() -> ApiError:
    return ApiError(
        ErrorCode.AUTH_SERVER_UNAVAILABLE,
        "The auth server could not be reached to make this change; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _answer_error(action: str, response: httpx.Response) -> Exception:
    """The error to raise for a non-2xx answer of the internal API."""
    try:
        body = response.json()
        code = ErrorCode(body["code"])
        message = str(body["message"])
    except (ValueError, KeyError, TypeError):
        code, message = None, ""
    status = response.status_code
    if status == 401:
        log.error("the auth server refused the service token (do both services share BETTER_AUTH_SECRET?)")
        return RuntimeError(f"internal admin API {action}: service token refused")
    if code is not None and status < 500 and ERROR_STATUS[code] == status:
        return ApiError(code, message)
    if code is ErrorCode.DATABASE_UNAVAILABLE:
        retry = response.headers.get("retry-after", str(RETRY_AFTER_SECONDS))
        return ApiError(code, message, headers={"Retry-After": retry})
    log.error("auth server failed a change", extra={"action": action, "status": status, "body": response.text[:500]})
    return _unavailable()
