"""Timeouts, cache sizes and feed timing: defaults that suit most deployments, in one place."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tuning:
    """Knobs with safe defaults. Times in seconds.

    - `jwt_leeway_seconds`: clock skew allowed on `exp`, `nbf`, `iat` (RFC 7519 §4.1.4 allows "a small leeway").
    - `max_jwt_length`: longer compact JWS strings are refused unparsed (characters).
    - `jwks_timeout_seconds`: one JWKS fetch's bound.
    - `jwks_min_refetch_seconds`: at least this long between two JWKS fetches of one process, whatever
      asked (a flood of forged `kid`s costs the auth server one fetch per interval). A token whose `kid`
      is new waits for the next allowed fetch instead of being refused, so a rotated key works at once.
    - `jwks_max_age_seconds`: cached keys are refreshed on use after this (kept if the refresh fails).
    - `feed_poll_interval_seconds`: how often the revocation feed is read (SQLite's poll; PostgreSQL's
      safety net behind LISTEN, which pushes at once). At most 0.25 so a revocation lands within 1 s.
    - `feed_max_staleness_seconds`: when the feed has not been read for this long (or a read failed), it is
      `degraded` and every request asks the database, until a read succeeds. Sooner than that, the caches
      answer only from a read begun within the last 0.5 s (contract.revocation; `RevocationFeed.trusted`).
    - `user_cache_ttl_seconds`, `session_cache_ttl_seconds`: how long cached users and sessions live; the
      feed invalidates them at once on revocations and role/ban/email changes, so the TTL bounds only
      fields the feed does not carry (name, image).
    - `cache_max_entries`: bound of each cache (users, sessions, opaque-token lookups).
    - `verified_token_cache_entries`: how many verified JWTs are remembered (by SHA-256 of the token, until
      `exp`), so a repeat skips the signature check; 0 turns it off. The session is checked either way.
    - `db_timeout_seconds`: connect timeout of the engine the package opens itself.
    - `db_pool_size`: PostgreSQL connections that engine keeps open; a request finding them all busy waits for
      one (up to `db_timeout_seconds`) rather than opening and closing an extra one (see `create_engine`).
    - `db_statement_timeout_seconds`: PostgreSQL: how long the client waits for one statement's answer (503 past
      it, see `create_engine`), on the engine the package opens itself and on the revocation feed's own; 0 for
      no limit, at most 3600.
    """

    jwt_leeway_seconds: int = 5
    max_jwt_length: int = 8192
    jwks_timeout_seconds: float = 3.0
    jwks_min_refetch_seconds: float = 1.0
    jwks_max_age_seconds: float = 3600.0
    feed_poll_interval_seconds: float = 0.25
    feed_max_staleness_seconds: float = 5.0
    user_cache_ttl_seconds: float = 60.0
    session_cache_ttl_seconds: float = 60.0
    cache_max_entries: int = 100_000
    verified_token_cache_entries: int = 10_000
    db_timeout_seconds: float = 5.0
    db_pool_size: int = 10
    db_statement_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.feed_poll_interval_seconds <= 0.25:
            raise ValueError("feed_poll_interval_seconds must be in (0, 0.25]")
        if self.jwks_min_refetch_seconds <= 0 or self.jwks_timeout_seconds <= 0 or self.jwks_max_age_seconds <= 0:
            raise ValueError("JWKS timings must be positive")
        if self.feed_max_staleness_seconds <= 0 or self.db_timeout_seconds <= 0:
            raise ValueError("feed_max_staleness_seconds and db_timeout_seconds must be positive")
        if self.cache_max_entries < 1 or self.max_jwt_length < 64 or not 0 <= self.jwt_leeway_seconds <= 300:
            raise ValueError("cache_max_entries must be >= 1, max_jwt_length >= 64, jwt_leeway_seconds in [0, 300]")
        if not 0 <= self.db_statement_timeout_seconds <= 3600:  # NaN fails both comparisons
            raise ValueError("db_statement_timeout_seconds must be in [0, 3600]")
        if not 1 <= self.db_pool_size <= 100:
            raise ValueError("db_pool_size must be in [1, 100]")
        if self.verified_token_cache_entries < 0:
            raise ValueError("verified_token_cache_entries must not be negative")
        if self.user_cache_ttl_seconds < 0 or self.session_cache_ttl_seconds < 0:
            raise ValueError("cache TTLs must not be negative")
