"""Builds the credential pipeline from plain values, so `app.auth` depends on no app settings class."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.authenticator import Authenticator
from app.auth.jwks_cache import JwksCache
from app.auth.jwt_verify import JwtVerifier
from app.auth.revocation import CachedSessionChecks, CredentialCache, FeedSource, RevocationFeed, RevocationView
from app.auth.revocation.local_writes import watch_local_writes
from app.auth.session_lookup import DbSessionLiveness, SessionLiveness, SessionStore


@dataclass(frozen=True, slots=True)
class RevocationConfig:
    """How the revocation feed is followed and how long its caches hold entries."""

    poll_interval_seconds: float = 0.25
    max_staleness_seconds: float = 5.0
    window_seconds: float = 900.0 + 5.0 + 60.0
    user_cache_ttl_seconds: float = 60.0
    session_cache_ttl_seconds: float = 60.0
    cache_max_entries: int = 100_000


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """Everything the integration needs to know about the auth server."""

    secret: bytes
    jwks_url: str
    issuer: str
    audience: str
    algorithms: list[str]
    cookie_prefix: str = "better-auth"
    leeway_seconds: int = 5
    max_jwt_length: int = 8192
    jwks_timeout_seconds: float = 3.0
    jwks_cooldown_seconds: float = 30.0
    jwks_max_age_seconds: float = 3600.0
    revocation: RevocationConfig = field(default_factory=RevocationConfig)


@dataclass(frozen=True, slots=True)
class AuthRuntime:
    """The running pipeline: the authenticator routes use, and the feed behind it (for health output)."""

    authenticator: Authenticator
    feed: RevocationFeed


def _jwt_verifier(config: AuthConfig, http: httpx.AsyncClient) -> JwtVerifier:
    jwks = JwksCache(
        url=config.jwks_url,
        http=http,
        allowed_algorithms=config.algorithms,
        timeout_seconds=config.jwks_timeout_seconds,
        cooldown_seconds=config.jwks_cooldown_seconds,
        max_age_seconds=config.jwks_max_age_seconds,
    )
    return JwtVerifier(
        jwks=jwks,
        issuer=config.issuer,
        audience=config.audience,
        algorithms=config.algorithms,
        leeway_seconds=config.leeway_seconds,
        max_length=config.max_jwt_length,
    )


def build_authenticator(
    config: AuthConfig,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    liveness: SessionLiveness | None = None,
) -> Authenticator:
    """Wire JWKS cache → JWT verifier → session store → authenticator, checking sessions in the database.

    `liveness` defaults to the per-request database check. The app itself uses `running_auth`, which puts
    the revocation feed in front of both session lookups.
    """
    store = SessionStore(sessionmaker)
    return Authenticator(
        secret=config.secret,
        cookie_prefix=config.cookie_prefix,
        sessions=store,
        jwt_verifier=_jwt_verifier(config, http),
        liveness=liveness or DbSessionLiveness(store),
    )


@asynccontextmanager
async def running_auth(
    config: AuthConfig,
    *,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    feed_engine: AsyncEngine,
    http: httpx.AsyncClient,
) -> AsyncIterator[AuthRuntime]:
    """The authenticator with the revocation feed running behind it; the feed stops on exit.

    `engine` is the request engine (watched for this process's own auth-table writes); `feed_engine` is an
    engine of the feed's own, disposed on exit. Start-up waits for the first feed read at most
    `max_staleness_seconds`; if it fails the backend starts degraded (database checks per request).
    """
    revocation = config.revocation
    cache = CredentialCache(
        user_ttl_seconds=revocation.user_cache_ttl_seconds,
        session_ttl_seconds=revocation.session_cache_ttl_seconds,
        max_entries=revocation.cache_max_entries,
    )
    feed = RevocationFeed(
        FeedSource(feed_engine),
        view=RevocationView(window_seconds=revocation.window_seconds),
        cache=cache,
        poll_interval_seconds=revocation.poll_interval_seconds,
        max_staleness_seconds=revocation.max_staleness_seconds,
    )
    checks = CachedSessionChecks(SessionStore(sessionmaker), feed)
    authenticator = Authenticator(
        secret=config.secret,
        cookie_prefix=config.cookie_prefix,
        sessions=checks,
        jwt_verifier=_jwt_verifier(config, http),
        liveness=checks,
    )
    unwatch = watch_local_writes(engine, feed.note_local_write)
    try:
        await feed.start(first_read_seconds=revocation.max_staleness_seconds)
        yield AuthRuntime(authenticator=authenticator, feed=feed)
    finally:
        unwatch()
        await feed.stop()
