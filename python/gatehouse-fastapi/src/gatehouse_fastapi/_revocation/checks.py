"""Session checks answered from memory while the feed is live, from the database otherwise.

Plugs into the authenticator's two seams: `live_principal` (a verified JWT's `sid`) and `by_token` (an
opaque session token, from the Authorization header or the signed cookie). In steady state a known-good
session costs no query at all; the first sight of a session, or of a user whose cache entry was
invalidated or expired, costs one.
"""

import asyncio
from datetime import UTC, datetime

from gatehouse_fastapi._jwt_verify import JwtClaims
from gatehouse_fastapi._models import CredentialKind, Principal, Session
from gatehouse_fastapi._revocation.feed import RevocationFeed
from gatehouse_fastapi._session_store import SessionStore


class CachedSessionChecks:
    """`SessionLiveness` and token lookups backed by the revocation feed's view and caches."""

    def __init__(self, store: SessionStore, feed: RevocationFeed) -> None:
        self._store = store
        self._feed = feed
        self._view = feed.view
        self._cache = feed.cache

    async def live_principal(self, claims: JwtClaims, token: str) -> Principal | None:
        """The principal for a verified JWT, or None if its session is revoked, expired or not `sub`'s."""
        if claims.sid is None:
            return await self._unbound(claims, token)
        if self._view.is_revoked(claims.sid):
            return None
        if not self._feed.trusted() and not await self._feed.refresh():
            fresh = await self._store.by_id(claims.sid, user_id=claims.sub, credential=CredentialKind.JWT)
            return self._unless_revoked(fresh)
        session = self._cache.session(claims.sid)
        if session is None or _expired(session):
            ticket = self._cache.begin()
            loaded = await self._store.by_id(claims.sid, user_id=claims.sub, credential=CredentialKind.JWT)
            return self._remember(loaded, ticket)
        if session.user_id != claims.sub:
            return None
        return await self._with_user(session, CredentialKind.JWT)

    async def _unbound(self, claims: JwtClaims, token: str) -> Principal | None:
        # A JWT without `sid` (stock better-auth): any revocation of its user's sessions since it was issued voids
        # it; otherwise it rides on the session `SessionStore.unbound_session` found, cached like an opaque token.
        if self._view.session_revoked_since(claims.sub, datetime.fromtimestamp(claims.issued_at, UTC)):
            return None
        if not self._feed.trusted() and not await self._feed.refresh():
            return self._unless_revoked(await self._store.unbound_session(claims))
        session = self._cache.session_for_token(token)
        if session is None or _expired(session) or self._view.is_revoked(session.id):
            ticket = self._cache.begin()
            return self._remember(await self._store.unbound_session(claims), ticket, token=token)
        return await self._with_user(session, CredentialKind.JWT)

    async def by_token(self, token: str, *, credential: CredentialKind) -> Principal | None:
        """The principal for an opaque session token (signature already checked), or None."""
        if not token or len(token) > 512:
            return None
        if not self._feed.trusted() and not await self._feed.refresh():
            return self._unless_revoked(await self._store.by_token(token, credential=credential))
        session = self._cache.session_for_token(token)
        if session is None or _expired(session) or self._view.is_revoked(session.id):
            ticket = self._cache.begin()
            loaded = await self._store.by_token(token, credential=credential)
            return self._remember(loaded, ticket, token=token)
        return await self._with_user(session, credential)

    async def _with_user(self, session: Session, credential: CredentialKind) -> Principal | None:
        # Answered from memory, a request never yields to the event loop: a client that sends its next request
        # from the same task (an in-process ASGI client polling for a revocation) could starve the feed task it
        # waits for. So a cache hit yields once whenever reading has stalled (`RevocationFeed.overdue`); not on
        # every hit, nor while a read is merely under way, where the extra event-loop turn cost more than the
        # rest of the check (with a one-interval test, half of a loaded worker's requests yielded).
        if self._feed.overdue():
            await asyncio.sleep(0)
        user = self._cache.user(session.user_id)
        if user is None:
            ticket = self._cache.begin()
            user = await self._store.user(session.user_id)
            if user is None:
                return None
            self._cache.remember_user(user, ticket=ticket)
        principal = Principal(user, session, credential)
        # The feed may have revoked the session while the user was being read.
        return self._unless_revoked(principal)

    def _remember(self, principal: Principal | None, ticket: int, *, token: str | None = None) -> Principal | None:
        principal = self._unless_revoked(principal)
        if principal is not None:
            self._cache.remember(principal.user, principal.session, ticket=ticket, token=token)
        return principal

    def _unless_revoked(self, principal: Principal | None) -> Principal | None:
        # A feed row proves the delete committed; a row read before that commit is stale, whatever it says.
        if principal is None or self._view.is_revoked(principal.session.id):
            return None
        return principal


def _expired(session: Session) -> bool:
    # A cached expiry may predate better-auth extending the session, so "expired" means "ask the database".
    return session.expires_at <= datetime.now(UTC)
