"""Short-lived in-memory copies of users, sessions and opaque-token lookups, invalidated by the feed.

Every entry also expires on its own (TTL), which bounds how stale a field the feed does not carry
(name, image) can get. Bounded in size: the oldest entry goes first.

A lookup that started before an invalidation must not write its (possibly pre-change) answer back
afterwards. Callers take a ticket (`begin()`) before they query; `remember*` drops the answer if the
user was invalidated, or the whole cache cleared, after that ticket.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from gatehouse_fastapi._models import AuthUser, Session

V = TypeVar("V")

# Invalidation marks only matter while a lookup that predates them can still be running; lookups are bounded
# by the database timeouts, far below this.
_MARK_TTL_SECONDS = 120.0
_MAX_MARKS = 50_000


class _TtlMap(Generic[V]):
    """dict with per-entry expiry and FIFO eviction beyond `max_entries`."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._items: dict[object, tuple[V, float]] = {}

    def get(self, key: object) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if self._clock() >= item[1]:
            del self._items[key]
            return None
        return item[0]

    def put(self, key: object, value: V) -> None:
        self._items.pop(key, None)
        while len(self._items) >= self._max:
            del self._items[next(iter(self._items))]
        self._items[key] = (value, self._clock() + self._ttl)

    def pop(self, key: object) -> None:
        self._items.pop(key, None)

    def pop_where(self, predicate: Callable[[V], bool]) -> None:
        for key in [k for k, (value, _) in self._items.items() if predicate(value)]:
            del self._items[key]

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def token_key(token: str) -> bytes:
    """Opaque tokens are kept only as SHA-256 digests, so a heap dump does not hand out live sessions."""
    return hashlib.sha256(token.encode()).digest()


class CredentialCache:
    """Users by id, sessions by id, and token digest → session id."""

    def __init__(
        self,
        *,
        user_ttl_seconds: float = 60.0,
        session_ttl_seconds: float = 60.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._users: _TtlMap[AuthUser] = _TtlMap(user_ttl_seconds, max_entries, clock)
        self._sessions: _TtlMap[Session] = _TtlMap(session_ttl_seconds, max_entries, clock)
        self._tokens: _TtlMap[str] = _TtlMap(session_ttl_seconds, max_entries, clock)
        self._seq = 0
        self._floor = 0  # tickets below this are refused (a clear, or marks pruned while they were running)
        self._marks: dict[str, tuple[int, float]] = {}  # user id → (seq of its last invalidation, when)

    # -- reads -------------------------------------------------------------------------------------

    def user(self, user_id: str) -> AuthUser | None:
        """The cached user, if fresh."""
        return self._users.get(user_id)

    def session(self, session_id: str) -> Session | None:
        """The cached session, if fresh (its expiry is the caller's to check)."""
        return self._sessions.get(session_id)

    def session_for_token(self, token: str) -> Session | None:
        """The cached session behind an opaque token, if both entries are fresh."""
        session_id = self._tokens.get(token_key(token))
        return None if session_id is None else self._sessions.get(session_id)

    # -- writes ------------------------------------------------------------------------------------

    def begin(self) -> int:
        """A ticket to pass to `remember*` once the database has answered."""
        return self._seq

    def remember(self, user: AuthUser, session: Session, *, ticket: int, token: str | None = None) -> None:
        """Cache a looked-up session and its user (and the token that found it), unless invalidated since."""
        if not self._valid(ticket, user.id):
            return
        self._users.put(user.id, user)
        self._sessions.put(session.id, session)
        if token is not None:
            self._tokens.put(token_key(token), session.id)

    def remember_user(self, user: AuthUser, *, ticket: int) -> None:
        """Cache a looked-up user, unless invalidated since."""
        if self._valid(ticket, user.id):
            self._users.put(user.id, user)

    # -- invalidation (driven by the feed) ----------------------------------------------------------

    def forget_session(self, session_id: str) -> None:
        """A session was deleted. Token entries pointing at it now miss, since they resolve through it."""
        self._sessions.pop(session_id)

    def forget_user(self, user_id: str) -> None:
        """The user changed: drop the cached user; sessions stay (they are still live)."""
        self._users.pop(user_id)
        self._mark(user_id)

    def forget_user_sessions(self, user_id: str) -> None:
        """The user was banned, deleted or changed password: drop the user and every cached session of theirs."""
        self.forget_user(user_id)
        # Sessions are not indexed by user; a ban or password change is rare enough to afford one pass.
        self._sessions.pop_where(lambda session: session.user_id == user_id)

    def clear(self) -> None:
        """Drop everything, and refuse write-backs from lookups already running."""
        self._users.clear()
        self._sessions.clear()
        self._tokens.clear()
        self._seq += 1
        self._floor = self._seq
        self._marks.clear()

    def sizes(self) -> dict[str, int]:
        """Entry counts, for tests and diagnostics."""
        return {"users": len(self._users), "sessions": len(self._sessions), "tokens": len(self._tokens)}

    def prune(self) -> None:
        """Forget invalidation marks older than any lookup can still be running (called by the feed)."""
        now = self._clock()
        for user_id, (seq, at) in list(self._marks.items()):
            if now - at > _MARK_TTL_SECONDS:
                del self._marks[user_id]
                self._floor = max(self._floor, seq)

    def _mark(self, user_id: str) -> None:
        self._seq += 1
        if len(self._marks) >= _MAX_MARKS:
            # Bounded memory: refusing every write-back in flight is always safe, merely a few extra queries.
            self._marks.clear()
            self._floor = self._seq
        self._marks[user_id] = (self._seq, self._clock())

    def _valid(self, ticket: int, user_id: str) -> bool:
        if ticket < self._floor:
            return False
        mark = self._marks.get(user_id)
        return mark is None or mark[0] <= ticket
