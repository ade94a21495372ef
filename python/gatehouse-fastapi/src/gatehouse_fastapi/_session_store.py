"""Session checks against the shared database, and the seams the revocation feed plugs into.

`SessionLiveness` is the one question the JWT path asks after the signature check: "is this token's
session still live, and who is its user now?"; `TokenSessions` the one the opaque credentials ask.
`SessionStore` answers both with one indexed query per call; the revocation feed
(`gatehouse_fastapi._revocation`) answers from memory while it is live and falls back to the store.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse_fastapi._jwt_verify import JwtClaims
from gatehouse_fastapi._models import AuthUser, CredentialKind, Principal
from gatehouse_fastapi._schema import AuthTables, session_from_row, user_from_row

MAX_TOKEN_LENGTH = 512
# A JWT's `iat` is whole seconds and the session row's creation has milliseconds; the auth server signs a token
# for a session it already holds, so the session was created at most this long after the (floored) `iat`.
UNBOUND_JWT_SLACK = timedelta(seconds=1)


class SessionLiveness(Protocol):
    """Decides whether a verified JWT's session is still live."""

    async def live_principal(self, claims: JwtClaims, token: str) -> Principal | None:
        """The principal for a JWT whose signature already checked out, or None if revoked/expired."""
        ...


class TokenSessions(Protocol):
    """Resolves an opaque session token (signature already checked) to a principal."""

    async def by_token(self, token: str, *, credential: CredentialKind) -> Principal | None:
        """The live session whose token is `token`, or None."""
        ...


class SessionStore:
    """Reads sessions (with their user) by token or by id, and users by id; unexpired sessions only.

    Expiry is compared here rather than in SQL: better-auth stores dates as timestamptz on PostgreSQL but as
    ISO text on SQLite, and a Python comparison is right for every form a row may hold.
    """

    def __init__(
        self, engine: AsyncEngine, tables: AuthTables, *, known_roles: frozenset[str], default_role: str
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._known_roles = known_roles
        self._default_role = default_role

    async def by_token(self, token: str, *, credential: CredentialKind) -> Principal | None:
        """The live session whose token column equals `token` (better-auth's unique index)."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        return await self._one(self._tables.session_col("token") == token, credential)

    async def by_id(self, session_id: str, *, user_id: str, credential: CredentialKind) -> Principal | None:
        """The live session `session_id`, only if it belongs to `user_id`."""
        condition = (self._tables.session_col("id") == session_id) & (self._tables.session_col("userId") == user_id)
        return await self._one(condition, credential)

    async def user(self, user_id: str) -> AuthUser | None:
        """The user `user_id`, or None."""
        stmt = select(*self._tables.user_columns).where(self._tables.user_col("id") == user_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else self._user(row)

    async def live_principal(self, claims: JwtClaims, token: str = "") -> Principal | None:
        """Fresh user and session rows for a verified JWT: its `sid` if it has one (still live, still `sub`'s);
        otherwise `sub`'s newest live session created before the token was issued (see `unbound_session`).
        """
        if claims.sid is not None:
            return await self.by_id(claims.sid, user_id=claims.sub, credential=CredentialKind.JWT)
        return await self.unbound_session(claims)

    async def unbound_session(self, claims: JwtClaims) -> Principal | None:
        """For a JWT without `sid` (stock better-auth's jwt plugin): the user's newest unexpired session that
        existed when the token was issued, or None. So signing out everywhere (or a ban that deletes the
        sessions, or deleting the user) refuses such tokens; one session's sign-out does not while another is
        live. A `sid` claim (`definePayload`) ties a token to its own session.
        """
        issued = datetime.fromtimestamp(claims.issued_at, UTC) + UNBOUND_JWT_SLACK
        tables = self._tables
        stmt = (
            select(*tables.session_columns, *tables.user_columns)
            .join_from(tables.sessions, tables.users, tables.user_col("id") == tables.session_col("userId"))
            .where(tables.session_col("userId") == claims.sub)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        now = datetime.now(UTC)
        best: tuple[datetime, Any] | None = None
        for row in rows:
            session = session_from_row(row)
            if session is None or session.expires_at <= now or session.created_at is None:
                continue
            if session.created_at <= issued and (best is None or session.created_at > best[0]):
                best = (session.created_at, row)
        if best is None:
            return None
        session = session_from_row(best[1])
        assert session is not None
        return Principal(self._user(best[1]), session, CredentialKind.JWT)

    async def _one(self, condition: ColumnElement[bool], credential: CredentialKind) -> Principal | None:
        tables = self._tables
        stmt = (
            select(*tables.session_columns, *tables.user_columns)
            .join_from(tables.sessions, tables.users, tables.user_col("id") == tables.session_col("userId"))
            .where(condition)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        if row is None:
            return None
        session = session_from_row(row)
        if session is None or session.expires_at <= datetime.now(UTC):
            return None
        return Principal(self._user(row), session, credential)

    def _user(self, row: Any) -> AuthUser:
        return user_from_row(row, known_roles=self._known_roles, default_role=self._default_role)
