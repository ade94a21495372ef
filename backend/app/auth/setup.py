"""Builds the credential pipeline from plain values, so `app.auth` depends on no app settings class."""

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.authenticator import Authenticator
from app.auth.jwks_cache import JwksCache
from app.auth.jwt_verify import JwtVerifier
from app.auth.session_lookup import DbSessionLiveness, SessionLiveness, SessionStore


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


def build_authenticator(
    config: AuthConfig,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    liveness: SessionLiveness | None = None,
) -> Authenticator:
    """Wire JWKS cache → JWT verifier → session store → authenticator.

    `liveness` defaults to the per-request database check; pass another implementation (the revocation
    feed) to change how JWT sessions are confirmed without touching anything else.
    """
    jwks = JwksCache(
        url=config.jwks_url,
        http=http,
        allowed_algorithms=config.algorithms,
        timeout_seconds=config.jwks_timeout_seconds,
        cooldown_seconds=config.jwks_cooldown_seconds,
        max_age_seconds=config.jwks_max_age_seconds,
    )
    verifier = JwtVerifier(
        jwks=jwks,
        issuer=config.issuer,
        audience=config.audience,
        algorithms=config.algorithms,
        leeway_seconds=config.leeway_seconds,
        max_length=config.max_jwt_length,
    )
    store = SessionStore(sessionmaker)
    return Authenticator(
        secret=config.secret,
        cookie_prefix=config.cookie_prefix,
        sessions=store,
        jwt_verifier=verifier,
        liveness=liveness or DbSessionLiveness(store),
    )
