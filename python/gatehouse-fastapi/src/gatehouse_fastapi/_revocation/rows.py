"""Rows of the auth server's revocation feed (`auth_revocations`); the reader's position is `cursor.FeedCursor`.

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

__all__ = ["FeedKind", "FeedRow", "revocations"]


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
