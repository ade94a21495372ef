"""Turns a request's credential (Authorization header or session cookie) into a Principal, or None."""

import dataclasses
from datetime import UTC, datetime

from gatehouse_fastapi._cookie_signature import JS_WHITESPACE, bearer_session_token, cookie_value, unsign
from gatehouse_fastapi._jwt_verify import JwtClaims, JwtVerifier, looks_like_jwt
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal, Session
from gatehouse_fastapi._session_store import SessionLiveness, TokenSessions

_MAX_CREDENTIAL_LENGTH = 16_384
_MAX_JWT_PRINCIPALS = 4_096
"""JWT principals remembered (see `Authenticator._as_jwt_says`); the oldest go first."""


class Authenticator:
    """Tries, in order: `Authorization: Bearer` (JWT or session token), then the session cookie.

    A request that presents a Bearer credential is judged by it alone: a bad one never falls back to a cookie, so
    a client cannot be silently authenticated as someone other than the one it named (stricter than better-auth,
    whose bearer plugin leaves the cookie in force when a dotted token's signature fails). An Authorization header
    that carries no Bearer credential (another scheme such as a proxy's `Basic`, or `Bearer` with nothing after
    it) names no credential of ours, so the cookie decides, as it does at the auth server.
    """

    def __init__(
        self,
        *,
        secret: bytes,
        cookie_name: str,
        sessions: TokenSessions,
        jwt_verifier: JwtVerifier,
        liveness: SessionLiveness,
    ) -> None:
        self._secret = secret
        self._cookie_name = cookie_name
        self._sessions = sessions
        self._jwt = jwt_verifier
        self._liveness = liveness
        self._jwt_principals: dict[int, tuple[JwtClaims, Session, AuthUser, Principal]] = {}

    def presented(self, authorization: str | None, cookie_header: str | None) -> bool:
        """Whether the request carries a credential this authenticator reads (a Bearer credential or the session
        cookie), so a refusal is `invalid_token` rather than a bare challenge (RFC 6750 §3.1).
        """
        if authorization is not None and bearer_credential(authorization):
            return True
        return bool(cookie_header and cookie_value(cookie_header, self._cookie_name))

    async def authenticate(self, authorization: str | None, cookie_header: str | None) -> Principal | None:
        """The caller's principal, or None when no valid credential was presented. `authorization` is the
        request's Authorization header (several joined with `, `); `cookie_header` its Cookie header as sent
        (several joined with `; `), read as better-call reads it, and only when no Bearer credential is present.
        """
        credential = bearer_credential(authorization) if authorization is not None else None
        if credential:
            return await self._from_bearer(credential)
        value = cookie_value(cookie_header, self._cookie_name) if cookie_header else None
        return await self._from_cookie(value) if value else None

    async def _from_bearer(self, credential: str) -> Principal | None:
        if len(credential) > _MAX_CREDENTIAL_LENGTH:
            return None
        if looks_like_jwt(credential):
            claims = await self._jwt.verify(credential)
            if claims is None:
                return None
            principal = await self._liveness.live_principal(claims, credential)
            if principal is None:
                return None
            return self._as_jwt_says(claims, principal)
        # The `token.signature` form (set-auth-token) is checked before the database is asked; a raw token is
        # looked up as it is, as better-auth's bearer plugin does.
        token = bearer_session_token(credential, self._secret)
        if token is None:
            return None
        return await self._sessions.by_token(token, credential=CredentialKind.BEARER)

    def _as_jwt_says(self, claims: JwtClaims, principal: Principal) -> Principal:
        """`principal` with the JWT's own amr / auth_time: a JWT speaks for how it was obtained, not for the
        session's later step-ups. Remembered per (claims, session, user) objects — the verified-token cache and
        the credential cache hand out the same objects while nothing changed — since rebuilding two frozen
        dataclasses cost a repeated JWT request more than the rest of its cached check.
        """
        memo = self._jwt_principals.get(id(claims))
        # The memo holds the objects it was built from, so their ids cannot be reused while it is kept.
        if memo is not None and memo[0] is claims and memo[1] is principal.session and memo[2] is principal.user:
            return memo[3]
        session = dataclasses.replace(principal.session, amr=claims.amr, auth_time=_epoch(claims.auth_time))
        result = dataclasses.replace(principal, session=session)
        if len(self._jwt_principals) >= _MAX_JWT_PRINCIPALS:
            del self._jwt_principals[next(iter(self._jwt_principals))]  # the oldest
        self._jwt_principals[id(claims)] = (claims, principal.session, principal.user, result)
        return result

    async def _from_cookie(self, value: str) -> Principal | None:
        if len(value) > _MAX_CREDENTIAL_LENGTH:
            return None
        token = unsign(value, self._secret)
        if token is None:
            return None
        return await self._sessions.by_token(token, credential=CredentialKind.COOKIE)


def _epoch(seconds: int | None) -> datetime | None:
    """An aware UTC datetime from epoch seconds; None when absent or out of range."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def bearer_credential(header: str) -> str | None:
    """The credential of an `Authorization: Bearer …` value, read as better-auth's bearer plugin reads it: the
    first seven characters are `bearer ` in any case, the rest trimmed as JavaScript trims (RFC 6750 §2.1 names
    the scheme; a header that is not this form is no Bearer credential). None for another scheme or a bare
    `Bearer`; `""` when only JavaScript whitespace follows `Bearer ` (both are no credential: the bearer plugin
    then leaves the cookie in force).
    """
    header = header.strip(" \t")  # optional whitespace, which HTTP servers drop on both sides
    if header[:7].lower() != "bearer ":
        return None
    return header[7:].strip(JS_WHITESPACE)
