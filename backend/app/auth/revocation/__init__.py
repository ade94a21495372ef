"""The revocation feed consumer and the caches it keeps honest (issue 4; ARCHITECTURE.md, Revocation).

`feed.RevocationFeed` follows `auth_revocations` (LISTEN on PostgreSQL, a poll on SQLite);
`checks.CachedSessionChecks` answers the authenticator's session questions from memory while the feed is
live and from the database when it is not.
"""

from app.auth.revocation.cache import CredentialCache
from app.auth.revocation.checks import CachedSessionChecks
from app.auth.revocation.feed import FeedStatus, RevocationFeed, window_seconds
from app.auth.revocation.source import FeedSource
from app.auth.revocation.view import RevocationView

__all__ = [
    "CachedSessionChecks",
    "CredentialCache",
    "FeedSource",
    "FeedStatus",
    "RevocationFeed",
    "RevocationView",
    "window_seconds",
]
