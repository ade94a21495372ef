"""The revocation feed consumer and the caches it keeps honest .

`feed.RevocationFeed` follows `auth_revocations` (LISTEN on PostgreSQL, a poll on SQLite);
`checks.CachedSessionChecks` answers the authenticator's session questions from memory while the feed is
live and from the database when it is not.
"""

from gatehouse_fastapi._revocation.cache import CredentialCache
from gatehouse_fastapi._revocation.checks import CachedSessionChecks
from gatehouse_fastapi._revocation.feed import FeedStatus, RevocationFeed
from gatehouse_fastapi._revocation.source import APPLICATION_NAME, FeedSource
from gatehouse_fastapi._revocation.view import RevocationView

__all__ = [
    "APPLICATION_NAME",
    "CachedSessionChecks",
    "CredentialCache",
    "FeedSource",
    "FeedStatus",
    "RevocationFeed",
    "RevocationView",
]
