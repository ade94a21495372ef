"""Every backend setting, validated once at start-up.

Values come from the environment first, then from the repository-root `.env` (the same file the auth
server reads), so one `DATABASE_URL` and one `BETTER_AUTH_SECRET` serve both services.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from gatehouse_fastapi import parse_trusted_origins
from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.secret_strength import insecure_url, weak_secret_reason

REPO_ROOT = Path(__file__).resolve().parents[3]


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


_DIGITS = re.compile(r"\s*\d+\s*")


class DatabaseSettings(BaseSettings):
    """The database part alone, for tools (Alembic) that must not need the auth secret."""

    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        # An empty variable means "not set", as in the auth server (`.env.example` has `JWT_ISSUER=`).
        env_ignore_empty=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _whole_number_as_digits(cls, value: object, info: ValidationInfo) -> object:
        """An integer setting given as text must be digits (surrounding spaces allowed), as the auth server reads
        its own: pydantic alone would also take "10.0", "+10" and "1_000", which the auth server refuses, so one
        shared `.env` could start one service and stop the other."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation is int and isinstance(value, str) and not _DIGITS.fullmatch(value):
            raise ValueError("must be a whole number (digits 0-9)")
        return value

    database_url: str = "sqlite:./data/gatehouse.db"
    """Same value as the auth server: `sqlite:<path>` (relative to the repo root) or `postgres(ql)://`."""

    database_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    """How long opening a database connection may take before requests fail with 503."""

    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, le=60_000)
    """How long SQLite waits for the other service's write lock before giving up."""

    database_statement_timeout_seconds: int = Field(default=10, ge=0, le=3600)
    """PostgreSQL: how long a worker waits for one statement's answer before its request is answered 503 and the
    connection closed (the auth server's DATABASE_STATEMENT_TIMEOUT_SECONDS, same default and bounds); 0 for no
    limit. The revocation feed's connection keeps to it too; migrations run without it."""

    database_pool_size: int = Field(default=10, ge=1, le=100)
    """PostgreSQL connections each worker keeps open (the auth server's pool holds as many). A request that finds
    them all busy waits for one (up to `database_connect_timeout_seconds`, then 503) instead of opening an extra
    connection for one statement: SQLAlchemy's default overflow closed those again on return, so under load every
    request paid a TCP connect, a refused TLS offer and a SCRAM-SHA-256 handshake on both sides (~1 ms of the
    worker's CPU per request, measured in bench/PROFILE.md)."""


class Settings(DatabaseSettings):
    """Backend configuration. Field names map to upper-case environment variables."""

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("ENVIRONMENT", "NODE_ENV")
    )
    """`production` refuses weak secrets and plain-http CORS origins (app.core.secret_strength). Falls back to
    NODE_ENV like the auth server."""

    better_auth_secret: SecretStr
    """The auth server's secret: verifies the HMAC-SHA256 signature of session cookies. Required."""

    auth_url: str = Field(default="http://localhost:3000", validation_alias=AliasChoices("AUTH_URL", "BETTER_AUTH_URL"))
    """Base URL of the auth server (better-auth mounted under /api/auth)."""

    auth_server_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    """Upper bound of one call to the auth server's internal admin API (identity changes); past it, 503
    `AUTH_SERVER_UNAVAILABLE`."""

    auth_cookie_prefix: str = "better-auth"
    """better-auth's `advanced.cookiePrefix`; the session cookie is `<prefix>.session_token`."""

    auth_secure_cookies: bool | None = None
    """better-auth's `advanced.useSecureCookies`: the session cookie is read only as `__Secure-<prefix>.session_token`
    (true) or only as `<prefix>.session_token` (false), the one name the auth server uses. Unset: as the auth server
    derives it from BETTER_AUTH_URL, i.e. whether the expected issuer (JWT_ISSUER, else AUTH_URL) is https://."""

    admin_require_mfa: bool = False
    """ADMIN_REQUIRE_MFA (shared with the auth server): every admin route needs a session signed in with a second
    factor, else 403 `MFA_REQUIRED`."""

    jwks_url: str | None = None
    """Where the signing keys are published. Default: `{AUTH_URL}/api/auth/jwks`."""

    jwt_issuer: str | None = None
    """Expected `iss` claim. Default: AUTH_URL exactly as written (the auth server uses BETTER_AUTH_URL)."""

    jwt_audience: str | None = None
    """Expected `aud` claim. Default: AUTH_URL."""

    jwt_algorithms: Annotated[list[str], NoDecode] = ["EdDSA"]
    """Accepted JWS algorithms (comma-separated). `none` and HMAC algorithms are always refused."""

    jwt_leeway_seconds: int = Field(default=5, ge=0, le=120)
    """Clock skew tolerated on exp / nbf / iat."""

    jwt_max_length: int = Field(default=8192, ge=512, le=65_536)
    """Longer bearer credentials are refused before any parsing."""

    jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    """Upper bound for one JWKS fetch; a down auth server never blocks a request for longer."""

    jwks_min_refetch_seconds: float = Field(default=1.0, gt=0, le=5)
    """Minimum time between two JWKS fetches, so forged `kid`s cost the auth server at most one fetch per
    interval. A token with a new `kid` waits for the next fetch instead of being refused, so this is also how
    long a freshly rotated key (or an auth server back from an outage) can keep a request waiting: at most 5 s."""

    jwt_verified_cache_entries: int = Field(default=10_000, ge=0, le=1_000_000)
    """How many verified JWTs each worker remembers (by SHA-256 of the token, never past `exp`), so a repeated
    JWT skips the Ed25519 check; its session is still checked on every request. 0 turns the cache off."""

    jwks_max_age_seconds: float = Field(default=3600.0, ge=30)
    """After this, cached keys are refreshed on use (and kept if the refresh fails)."""

    jwt_max_lifetime_seconds: int = Field(
        default=900,
        ge=30,
        le=86_400,
        validation_alias=AliasChoices("JWT_MAX_LIFETIME_SECONDS", "JWT_EXPIRES_IN_SECONDS"),
    )
    """Longest lifetime of the auth server's JWTs (falls back to its JWT_EXPIRES_IN_SECONDS from the shared
    .env). Revocations are remembered this long plus leeway and a minute, and that window of the feed is
    reloaded at start, so a restarted worker refuses what was revoked while it was down."""

    revocation_poll_interval_seconds: float = Field(default=0.25, ge=0.01, le=0.25)
    """How often the revocation feed is read: SQLite's poll, PostgreSQL's safety net behind LISTEN (which
    pushes at once). At most 250 ms, so a revocation reaches every worker well within the 1 s contract."""

    revocation_max_staleness_seconds: float = Field(default=5.0, gt=0, le=60)
    """Fail-safe bound: when the feed has not been read successfully for this long (or a read fails), the
    caches are not trusted and every request is checked against the database, and GET /health says
    `"revocation_feed": "degraded"` until a read succeeds again."""

    auth_user_cache_ttl_seconds: float = Field(default=60.0, ge=0, le=3600)
    """How long a cached user (role, ban state, email, name, image) lives. Role, ban and email changes
    invalidate it through the feed at once; this bounds only fields the feed does not carry (name, image)."""

    auth_session_cache_ttl_seconds: float = Field(default=60.0, ge=0, le=3600)
    """How long a cached session, and a cached opaque-token lookup, lives. Revocations drop them at once."""

    auth_cache_max_entries: int = Field(default=100_000, ge=100)
    """Upper bound of each cache (users, sessions, token lookups); the oldest entries go first."""

    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    """Browser origins allowed to call the API with credentials (comma-separated)."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Root log level."""

    log_format: Literal["json", "pretty"] = "json"
    """`json`: one object per line (production). `pretty`: one readable line, as the auth server's; `make dev`
    sets it."""

    frontend_url: str = "http://localhost:5173"
    """The web app's URL (FRONTEND_URL, shared with the auth server); the root page links to it."""

    max_body_bytes: int = Field(default=65_536, ge=1024)
    """Request bodies larger than this are refused with 413."""

    max_header_bytes: int = Field(default=16_384, ge=4096, le=1_048_576)
    """Request heads (target + headers) larger than this are refused with 431, as the auth server does (Node's
    default `maxHeaderSize`, 16 KiB)."""

    backend_public_url: str | None = None
    """The URL clients use to reach this API (e.g. `https://api.example.com`). When it is https, every
    response carries HSTS even if a proxy in between speaks plain HTTP to us; otherwise HSTS is sent only
    on requests that arrived over HTTPS (uvicorn believes `X-Forwarded-Proto` from FORWARDED_ALLOW_IPS)."""

    @field_validator("backend_public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("BACKEND_PUBLIC_URL must start with http:// or https://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        # The shared .env uses pino's lower-case names (info, warn); "warn" and pino-only levels map over.
        if isinstance(value, str):
            value = value.upper()
            return {"WARN": "WARNING", "FATAL": "ERROR", "TRACE": "DEBUG", "SILENT": "ERROR"}.get(value, value)
        return value

    @field_validator("jwt_algorithms", "cors_origins", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins_only(cls, value: list[str]) -> list[str]:
        # They are also the origins trusted for writes made with the session cookie (gatehouse-fastapi's origin
        # check), which takes exact origins only: say so here, in the variable's name, at start-up.
        try:
            parse_trusted_origins(value)
        except ValueError as exc:
            raise ValueError(f"CORS_ORIGINS: {exc}") from None
        return value

    @field_validator("jwt_algorithms")
    @classmethod
    def _no_weak_algorithms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("JWT_ALGORITHMS must name at least one algorithm")
        for alg in value:
            if alg.lower() == "none" or alg.upper().startswith("HS"):
                raise ValueError(f"JWT algorithm {alg!r} is never accepted (token forgery risk)")
        return value

    @model_validator(mode="after")
    def _refuse_weak_production_settings(self) -> "Settings":
        secret = self.better_auth_secret.get_secret_value()
        if not secret:
            raise ValueError("BETTER_AUTH_SECRET must not be empty")
        if self.environment != "production":
            return self
        problems = []
        if reason := weak_secret_reason(secret):
            problems.append(f"BETTER_AUTH_SECRET {reason}")
        problems += [f"CORS_ORIGINS: {origin} is plain http" for origin in self.cors_origins if insecure_url(origin)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def force_hsts(self) -> bool:
        """Whether every response carries HSTS (the public URL is https)."""
        return bool(self.backend_public_url and self.backend_public_url.startswith("https://"))

    @property
    def effective_jwks_url(self) -> str:
        """The JWKS endpoint actually fetched."""
        return self.jwks_url or f"{self.auth_url.rstrip('/')}/api/auth/jwks"

    @property
    def effective_issuer(self) -> str:
        """The `iss` value tokens must carry."""
        return self.jwt_issuer or self.auth_url

    @property
    def effective_audience(self) -> str:
        """The `aud` value tokens must carry."""
        return self.jwt_audience or self.auth_url

    @property
    def revocation_window_seconds(self) -> float:
        """How far back the revocation feed is loaded at start and remembered: a JWT's longest life."""
        return float(self.jwt_max_lifetime_seconds + self.jwt_leeway_seconds + 60)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once (fails fast on bad configuration)."""
    return Settings()
