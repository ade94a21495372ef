"""Rows of the auth server's revocation feed (`auth_revocations`) and the reader's position in it.

The table belongs to the auth server (its migrations 0002 and 0005, or `gatehouse-fastapi install-feed` on a
stock better-auth database): triggers on the auth tables append one
row per revocation or user change, whoever made it. It is described here with a lightweight `table()`
rather than a mapped model, because this package only ever reads it. `FeedKind` is the contract's.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Text, column, table

from gatehouse_fastapi._contract import FeedKind
from gatehouse_fastapi._time import UtcDateTime

__all__ = ["FeedCursor", "FeedKind", "FeedRow", "revocations"]


revocations = table(
    "auth_revocations",
    column("id", BigInteger()),
    column("kind", Text()),
    column("user_id", Text()),
    column("session_id", Text()),
    # Through UtcDateTime: ISO text with `Z` on SQLite, timestamptz on PostgreSQL, aware datetimes here.
    column("created_at", UtcDateTime()),
)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One feed row. `kind` stays a plain string: an unknown future kind must not break the reader."""

    id: int
    kind: str
    user_id: str | None
    session_id: str | None
    created_at: datetime


class FeedCursor:
    """The highest id applied, plus the lower ids not seen yet ("gaps").

    On PostgreSQL ids come from a sequence when the row is inserted, but become visible when the inserting
    transaction commits, so id 41 can appear after id 42 has been read. Reading only `id > last_id` would
    lose 41 for good. Every id skipped over is therefore remembered and asked for again on each read until
    it shows up or ages out (a rolled-back insert leaves a gap that never fills). SQLite has a single writer
    and commits in id order, so there the gap set stays empty.
    """

    def __init__(self, *, max_gaps: int = 1000, gap_ttl_seconds: float = 960.0) -> None:
        self.last_id = 0
        self._gaps: dict[int, float] = {}
        self._max_gaps = max_gaps
        self._gap_ttl = gap_ttl_seconds

    @property
    def gaps(self) -> list[int]:
        """Ids below `last_id` that were never read, oldest first."""
        return sorted(self._gaps)

    def position(self, last_id: int) -> None:
        """Start reading after `last_id` (used once, after the start-up window is loaded)."""
        self.last_id = max(0, last_id)

    def observe(self, row_id: int, now: float) -> None:
        """Record that `row_id` has been read and applied."""
        if row_id > self.last_id:
            self.advance_to(row_id, now)
        else:
            self._gaps.pop(row_id, None)

    def advance_to(self, row_id: int, now: float) -> None:
        """Move to `row_id` (seen, or known to be older than the window), remembering every id skipped on the
        way there as a gap.
        """
        if row_id <= self.last_id:
            return
        # A jump larger than the gap budget keeps only the newest ids: they are the likeliest to commit late.
        first = max(self.last_id + 1, row_id - self._max_gaps)
        for missing in range(first, row_id):
            self._gaps.setdefault(missing, now)
        self.last_id = row_id
        self._trim(now)

    def _trim(self, now: float) -> None:
        for gap, seen in list(self._gaps.items()):
            if now - seen > self._gap_ttl:
                del self._gaps[gap]
        while len(self._gaps) > self._max_gaps:
            del self._gaps[min(self._gaps)]

    def expire(self, now: float) -> None:
        """Forget gaps older than the TTL (a rolled-back insert never fills its id)."""
        self._trim(now)
