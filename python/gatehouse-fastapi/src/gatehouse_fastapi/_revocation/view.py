"""What the feed has said so far: revoked session ids and per-user cut-offs, kept for one JWT lifetime.

A revoked id is refused without a query, whatever a cached or even a just-read database row says: the
feed row proves the delete committed, so an answer read before that commit is stale.

A 'user' row (ban or deletion) is a cut-off: everything learnt about that user's sessions before it is
void. The feed applies it by dropping those cached sessions, so the next request asks the database,
which has the final word: the user's sessions deleted (better-auth's ban deletes them) → 401, the row
still there but the user banned → 403 `BANNED_USER`, the ban already expired → allowed. The cut-off time
itself is kept here for diagnostics and pruning.

Entries older than the window (longest JWT lifetime + slack) are pruned: by then every JWT naming such a
session has expired, and an opaque credential for it is answered by the database, where the row is gone.
"""

from datetime import datetime, timedelta

from gatehouse_fastapi._revocation.rows import FeedKind, FeedRow


class RevocationView:
    """Revoked session ids and user cut-offs seen in the feed within the window."""

    def __init__(self, *, window_seconds: float) -> None:
        self.window = timedelta(seconds=window_seconds)
        self._sessions: dict[str, datetime] = {}
        self._cutoffs: dict[str, datetime] = {}
        self._user_sessions: dict[str, datetime] = {}  # user id → their latest revoked session's time

    def apply(self, row: FeedRow) -> None:
        """Record one feed row."""
        if row.kind == FeedKind.SESSION and row.session_id:
            self._sessions[row.session_id] = row.created_at
            if row.user_id:
                previous = self._user_sessions.get(row.user_id)
                self._user_sessions[row.user_id] = row.created_at if previous is None else max(previous, row.created_at)
        elif row.kind == FeedKind.USER and row.user_id:
            previous = self._cutoffs.get(row.user_id)
            self._cutoffs[row.user_id] = row.created_at if previous is None else max(previous, row.created_at)

    def is_revoked(self, session_id: str) -> bool:
        """Whether the feed reported this session deleted (within the window)."""
        return session_id in self._sessions

    def session_revoked_since(self, user_id: str, since: datetime) -> bool:
        """Whether any session of `user_id` was revoked at or after `since` (within the window). A JWT without
        `sid` cannot name its session, so any later revocation of the user's sessions voids it (fail safe).
        """
        latest = self._user_sessions.get(user_id)
        return latest is not None and latest >= since

    def cutoff(self, user_id: str) -> datetime | None:
        """The latest ban / deletion of `user_id` within the window."""
        return self._cutoffs.get(user_id)

    def prune(self, now: datetime) -> None:
        """Drop entries older than the window."""
        oldest = now - self.window
        self._sessions = {sid: at for sid, at in self._sessions.items() if at >= oldest}
        self._cutoffs = {uid: at for uid, at in self._cutoffs.items() if at >= oldest}
        self._user_sessions = {uid: at for uid, at in self._user_sessions.items() if at >= oldest}
