"""Session checks against the shared database, and the seams the revocation feed plugs into.

`SessionLiveness` is the one question the JWT path asks after the signature check: "is this token's
session still live, and who is its user now?"; `TokenSessions` the one the opaque credentials ask.
`DbSessionLiveness` / `SessionStore` answer with one indexed query per request; the revocation feed
(`app.auth.revocation`) answers from memory while it is live, and falls back to these otherwise.
"""

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.jwt_verify import JwtClaims
from app.auth.principal import AuthSession, AuthUser, CredentialKind, Principal
from app.models import User, UserSession, utcnow


class SessionLiveness(Protocol):
    """Decides whether a verified JWT's session is still live."""

    async def live_principal(self, claims: JwtClaims) -> Principal | None:
        """The principal for a JWT whose signature already checked out, or None if revoked/expired."""
        ...


class TokenSessions(Protocol):
    """Resolves an opaque session token (signature already checked) to a principal."""

    async def by_token(self, token: str, *, credential: CredentialKind) -> Principal | None:
        """The live session whose token is `token`, or None."""
        ...


class SessionStore:
    """Reads sessions (with their user) by token or by id; unexpired sessions only."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def by_token(self, token: str, *, credential: CredentialKind) -> Principal | None:
        """The live session whose `token` column equals `token` (unique index)."""
        if not token or len(token) > 512:
            return None
        return await self._one(UserSession.token == token, credential)

    async def by_id(self, session_id: str, *, user_id: str, credential: CredentialKind) -> Principal | None:
        """The live session `session_id`, only if it belongs to `user_id`."""
        return await self._one((UserSession.id == session_id) & (UserSession.user_id == user_id), credential)

    async def user(self, user_id: str) -> AuthUser | None:
        """The user row `user_id`, or None."""
        async with self._sessionmaker() as db:
            user = await db.get(User, user_id)
        return None if user is None else AuthUser.from_row(user)

    async def _one(self, condition: object, credential: CredentialKind) -> Principal | None:
        # expires_at is bound through UtcDateTime, so on SQLite both sides are the same ISO text form.
        stmt = (
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(condition, UserSession.expires_at > utcnow())  # type: ignore[arg-type]
        )
        async with self._sessionmaker() as db:
            row = (await db.execute(stmt)).first()
        if row is None:
            return None
        session, user = row
        return Principal(AuthUser.from_row(user), AuthSession.from_row(session), credential)


class DbSessionLiveness:
    """Issue 3's liveness: one primary-key lookup per request, so revocations apply immediately."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    async def live_principal(self, claims: JwtClaims) -> Principal | None:
        """Fresh user and session rows for the token's `sid`, if it is still live and still `sub`'s."""
        return await self._store.by_id(claims.sid, user_id=claims.sub, credential=CredentialKind.JWT)
