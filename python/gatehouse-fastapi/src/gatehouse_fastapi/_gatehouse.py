"""`Gatehouse`: the configured integration, its lifespan and its status."""

import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from gatehouse_fastapi._authenticator import Authenticator, bearer_credential
from gatehouse_fastapi._contract import ADMIN_ROLES, DEFAULT_ROLE, PLACEHOLDER_SECRETS, ROLE_NAMES, ErrorCode
from gatehouse_fastapi._database import copy_engine, create_engine, name_connect_failures
from gatehouse_fastapi._errors import (
    DEFAULT_REALM,
    MFA_REQUIRED_MESSAGE,
    AuthError,
    auth_error_handler,
    database_unavailable_handler,
)
from gatehouse_fastapi._jwks_cache import JwksCache
from gatehouse_fastapi._jwt_verify import JwtVerifier
from gatehouse_fastapi._models import AuthUser, Principal
from gatehouse_fastapi._origin import parse_trusted_origins
from gatehouse_fastapi._revocation import (
    CachedSessionChecks,
    CredentialCache,
    FeedSource,
    FeedStatus,
    RevocationFeed,
    RevocationView,
)
from gatehouse_fastapi._schema import AuthTables, Schema
from gatehouse_fastapi._session_store import SessionStore
from gatehouse_fastapi._startup import detect_feed, inspect_schema
from gatehouse_fastapi._token_cache import VerifiedTokenCache
from gatehouse_fastapi._tuning import Tuning

log = logging.getLogger("gatehouse_fastapi")

ExceptionHandler = Callable[[Request, Exception], Coroutine[Any, Any, Response]]

RevocationMode = Literal["feed", "database"]
"""`feed`: revocations arrive through the `auth_revocations` feed and answers come from memory while it is
live; `database`: every request checks its session in the database."""


@dataclass(frozen=True, slots=True)
class GatehouseStatus:
    """What a health endpoint shows. `revocation` is the mode in force; `feed` is `live` (answers from
    memory, kept current by the feed), `degraded` (feed unreadable: every request checks the database) or
    None in `database` mode; `feed_position` is the last feed row applied.
    """

    revocation: RevocationMode
    feed: Literal["live", "degraded"] | None
    feed_position: int | None
    schema: str


@dataclass(frozen=True, slots=True)
class _Runtime:
    authenticator: Authenticator
    feed: RevocationFeed | None
    schema: Schema


class Gatehouse:
    """Trust Gatehouse (or stock better-auth) credentials in a FastAPI app.

    `auth = Gatehouse(auth_url=..., secret=..., database_url=...)`, then
    `FastAPI(lifespan=auth.lifespan, exception_handlers=auth.exception_handlers)` and the dependencies
    (`CurrentUser`, `VerifiedUser`, `OptionalUser`, `require_role(...)`).

    Arguments (keyword-only):
    - `auth_url`: the auth server's base URL (better-auth `baseURL`), e.g. `https://auth.example.com`.
      JWTs must come from its JWKS (`<auth_url>/api/auth/jwks`) and carry it as `iss` and `aud` unless
      `jwks_url`, `issuer` or `audience` say otherwise.
    - `secret`: better-auth's `BETTER_AUTH_SECRET`, which signs session cookies and bearer tokens.
    - `database_url` (`sqlite:/path.db`, `postgres://...`) or `engine` (an `AsyncEngine` to share): the
      database better-auth writes. The package only reads it.
    - `schema`: `"auto"` (Gatehouse's tables if present, else better-auth's defaults) or a `Schema`.
    - `revocation`: `"auto"` (the feed if `gatehouse-fastapi install-feed` or Gatehouse installed its
      triggers, else `"database"`), `"feed"` or `"database"` (one session query per request).
    - `algorithms`: JWS algorithms accepted (default EdDSA, better-auth's jwt plugin default); `none` and
      HMAC are never accepted.
    - `cookie_prefix`: better-auth `advanced.cookiePrefix` (default `better-auth`).
    - `secure_cookies`: better-auth `advanced.useSecureCookies`: the session cookie is then read only as
      `__Secure-<prefix>.session_token`, otherwise only as `<prefix>.session_token`, as the auth server names it.
      Default (None): as better-auth derives it from its base URL, i.e. whether `issuer` (which defaults to
      `auth_url`) is an `https://` URL — so a backend that reaches the auth server over an internal `http://`
      URL still reads the public, secure name when `issuer` is the public URL.
    - `roles`, `default_role`, `admin_roles`: better-auth admin plugin `roles`, `defaultRole`, `adminRoles`.
    - `jwt_max_lifetime_seconds`: the longest JWT lifetime the auth server issues (jwt plugin
      `expirationTime`, 900 s by default); revocations are remembered that long, and a JWT whose `exp - iat` is
      longer (beyond the leeway) is refused.
    - `require_sid_claim`: refuse JWTs without a `sid` (session id) claim. Gatehouse's tokens carry one; stock
      better-auth's do not unless `definePayload` adds it, and are then tied to their user's sessions: refused
      once the user has no session from before the token (and, with the feed, after any session of theirs is
      revoked). Turn it on when your auth server adds `sid`.
    - `realm`: the RFC 6750 realm in challenges. `http`: an `httpx.AsyncClient` to share. `tuning`: timeouts,
      cache sizes and feed timing (`Tuning`).
    - `admin_require_mfa`: Gatehouse's `ADMIN_REQUIRE_MFA`; `AdminUser` and `require_admin` then also need a
      session authenticated with a second factor (403 `MFA_REQUIRED`), as the auth server's own admin routes do.
    - `trusted_origins`: the origins (`https://app.example.com`) whose pages may make state-changing requests
      authenticated by the session cookie, as better-auth's `trustedOrigins`; the request's own origin is always
      trusted. Such a request (any method but GET, HEAD and OPTIONS, and every WebSocket handshake) from another
      origin is refused with 403 `INVALID_ORIGIN`, one without `Origin` or `Referer` with 403
      `MISSING_OR_NULL_ORIGIN` (better-auth's origin check; see `_origin.py`). Bearer credentials are not checked:
      a browser never adds them by itself.

    Raises ValueError at construction for bad configuration (fail fast, before the app serves anything).
    """

    def __init__(
        self,
        *,
        auth_url: str,
        secret: str | bytes,
        database_url: str | None = None,
        engine: AsyncEngine | None = None,
        schema: Schema | Literal["auto"] = "auto",
        revocation: RevocationMode | Literal["auto"] = "auto",
        issuer: str | None = None,
        audience: str | None = None,
        jwks_url: str | None = None,
        algorithms: Sequence[str] = ("EdDSA",),
        cookie_prefix: str = "better-auth",
        secure_cookies: bool | None = None,
        roles: Iterable[str] = ROLE_NAMES,
        default_role: str = DEFAULT_ROLE,
        admin_roles: Iterable[str] = ADMIN_ROLES,
        jwt_max_lifetime_seconds: float = 900.0,
        require_sid_claim: bool = False,
        realm: str = DEFAULT_REALM,
        http: httpx.AsyncClient | None = None,
        tuning: Tuning | None = None,
        admin_require_mfa: bool = False,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        if not auth_url.startswith(("http://", "https://")):
            raise ValueError("auth_url must be an absolute http(s) URL")
        secret_bytes = secret.encode() if isinstance(secret, str) else secret
        if not secret_bytes or secret_bytes.decode(errors="replace") in PLACEHOLDER_SECRETS:
            raise ValueError("secret must be the auth server's BETTER_AUTH_SECRET, not empty or a placeholder")
        if (database_url is None) == (engine is None):
            raise ValueError("pass exactly one of database_url and engine")
        if revocation not in ("auto", "feed", "database"):
            raise ValueError("revocation must be 'auto', 'feed' or 'database'")
        self.roles = frozenset(roles)
        self.admin_roles = frozenset(admin_roles)
        self.admin_require_mfa = admin_require_mfa
        try:
            self.trusted_origins = parse_trusted_origins(trusted_origins)
        except ValueError as exc:
            raise ValueError(f"trusted_origins: {exc}") from None
        """Serialised origins (`scheme://host[:port]`) trusted for cookie-authenticated state-changing requests."""
        if default_role not in self.roles or not self.admin_roles <= self.roles:
            raise ValueError("default_role and admin_roles must be among roles")
        self.algorithms = [a for a in algorithms if a.lower() != "none" and not a.upper().startswith("HS")]
        if not self.algorithms:
            raise ValueError("algorithms must name at least one asymmetric JWS algorithm (e.g. EdDSA)")
        if jwt_max_lifetime_seconds <= 0:
            raise ValueError("jwt_max_lifetime_seconds must be positive")
        base = auth_url.rstrip("/")
        self.auth_url = base
        self.issuer = issuer or base
        self.audience = audience or base
        self.jwks_url = jwks_url or f"{base}/api/auth/jwks"
        self.cookie_prefix = cookie_prefix
        secure = self.issuer.startswith("https://") if secure_cookies is None else secure_cookies
        self.session_cookie_name = f"{'__Secure-' if secure else ''}{cookie_prefix}.session_token"
        """The one session cookie name read (better-auth's, by `secure_cookies`)."""
        self.default_role = default_role
        self.realm = realm
        self.tuning = tuning or Tuning()
        self.jwt_max_lifetime_seconds = jwt_max_lifetime_seconds
        self.require_sid_claim = require_sid_claim
        self._secret = secret_bytes
        self._database_url = database_url
        self._engine = engine
        self._schema = schema
        self._revocation = revocation
        self._http = http
        self._runtime: _Runtime | None = None

    # -- FastAPI wiring ----------------------------------------------------------------------------

    @property
    def exception_handlers(self) -> dict[int | type[Exception], ExceptionHandler]:
        """For `FastAPI(exception_handlers=...)`: answers `AuthError` as `{code, message}` + challenge, and a database
        that cannot serve (down, pool exhausted past `Tuning.db_timeout_seconds`) as 503 `DATABASE_UNAVAILABLE`
        with `Retry-After` instead of a 500 (`database_unavailable_handler`).
        """
        return {
            AuthError: auth_error_handler,
            SQLAlchemyError: database_unavailable_handler,
            OSError: database_unavailable_handler,
        }

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        """`FastAPI(lifespan=auth.lifespan)`: runs the integration while the app runs (see `running`)."""
        async with self.running():
            app.state.gatehouse = self
            yield {"gatehouse": self}

    @asynccontextmanager
    async def running(self) -> AsyncIterator["Gatehouse"]:
        """Open the database engine (unless one was given), detect the schema and revocation mode, start the
        revocation feed; undo all of it on exit. For apps that compose their own lifespan.

        Raises LookupError when `schema="auto"` finds no better-auth tables, RuntimeError if already running.
        """
        if self._runtime is not None:
            raise RuntimeError("this Gatehouse is already running")
        async with AsyncExitStack() as stack:
            engine = self._engine
            if engine is not None:
                name_connect_failures(engine)  # so a database that is down is a 503, as with the package's own
            else:
                assert self._database_url is not None
                engine = create_engine(
                    self._database_url,
                    connect_timeout_seconds=self.tuning.db_timeout_seconds,
                    pool_size=self.tuning.db_pool_size,
                    statement_timeout_seconds=self.tuning.db_statement_timeout_seconds,
                )
                stack.push_async_callback(engine.dispose)
            http = self._http
            if http is None:
                http = await stack.enter_async_context(httpx.AsyncClient(follow_redirects=False))
            schema, optional = await inspect_schema(engine, self._schema)
            mode = self._revocation
            if mode == "auto":
                mode = "feed" if await detect_feed(engine) else "database"
            runtime = await self._start(stack, engine, http, schema, optional, mode)
            self._runtime = runtime
            stack.callback(self._stopped)
            log.info("gatehouse running", extra={"revocation": mode, "schema": schema.user_table})
            yield self

    def _stopped(self) -> None:
        self._runtime = None

    async def _start(
        self,
        stack: AsyncExitStack,
        engine: AsyncEngine,
        http: httpx.AsyncClient,
        schema: Schema,
        optional: frozenset[str],
        mode: RevocationMode,
    ) -> _Runtime:
        tuning = self.tuning
        store = SessionStore(
            engine, AuthTables(schema, optional), known_roles=self.roles, default_role=self.default_role
        )
        verifier = self._jwt_verifier(http)
        if mode == "database":
            authenticator = Authenticator(
                secret=self._secret,
                cookie_name=self.session_cookie_name,
                sessions=store,
                jwt_verifier=verifier,
                liveness=store,
            )
            return _Runtime(authenticator=authenticator, feed=None, schema=schema)
        window = self.jwt_max_lifetime_seconds + tuning.jwt_leeway_seconds + 60.0
        feed = RevocationFeed(
            FeedSource(copy_engine(engine, statement_timeout_seconds=self.tuning.db_statement_timeout_seconds)),
            view=RevocationView(window_seconds=window),
            cache=CredentialCache(
                user_ttl_seconds=tuning.user_cache_ttl_seconds,
                session_ttl_seconds=tuning.session_cache_ttl_seconds,
                max_entries=tuning.cache_max_entries,
            ),
            poll_interval_seconds=tuning.feed_poll_interval_seconds,
            max_staleness_seconds=tuning.feed_max_staleness_seconds,
        )
        checks = CachedSessionChecks(store, feed)
        authenticator = Authenticator(
            secret=self._secret,
            cookie_name=self.session_cookie_name,
            sessions=checks,
            jwt_verifier=verifier,
            liveness=checks,
        )
        stack.push_async_callback(feed.stop)
        await feed.start(first_read_seconds=tuning.feed_max_staleness_seconds)
        return _Runtime(authenticator=authenticator, feed=feed, schema=schema)

    def _jwt_verifier(self, http: httpx.AsyncClient) -> JwtVerifier:
        tuning = self.tuning
        jwks = JwksCache(
            url=self.jwks_url,
            http=http,
            allowed_algorithms=self.algorithms,
            timeout_seconds=tuning.jwks_timeout_seconds,
            min_refetch_seconds=tuning.jwks_min_refetch_seconds,
            max_age_seconds=tuning.jwks_max_age_seconds,
        )
        return JwtVerifier(
            jwks=jwks,
            issuer=self.issuer,
            audience=self.audience,
            algorithms=self.algorithms,
            leeway_seconds=tuning.jwt_leeway_seconds,
            max_length=tuning.max_jwt_length,
            cache=VerifiedTokenCache(max_entries=n) if (n := tuning.verified_token_cache_entries) else None,
            require_sid=self.require_sid_claim,
            max_lifetime_seconds=self.jwt_max_lifetime_seconds,
        )

    # -- use ---------------------------------------------------------------------------------------

    def _running(self) -> _Runtime:
        if self._runtime is None:
            raise RuntimeError("Gatehouse is not running: pass lifespan=auth.lifespan to FastAPI(...)")
        return self._runtime

    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        """The caller of a request or WebSocket, or None when it carries no valid credential.

        Checks, in order, `Authorization: Bearer` (JWT or session token), then the session cookie. Ban, email
        verification and the session cookie's origin check (`trusted_origins`) are left to the caller: the
        dependencies apply them, so a route should take its caller from one of them. Raises RuntimeError when
        the integration is not running.
        """
        authenticator = self._running().authenticator
        authorization, cookie = _credential_headers(connection)
        return await authenticator.authenticate(authorization, cookie)

    def presented_credential(self, connection: HTTPConnection) -> bool:
        """Whether the request carries a Bearer header or a session cookie (valid or not)."""
        return self._running().authenticator.presented(*_credential_headers(connection))

    def is_admin(self, user: AuthUser) -> bool:
        """Whether `user` holds one of the admin roles. The role alone: to decide whether a caller may act as an
        admin, use `require_admin`, which also applies `admin_require_mfa`.
        """
        return not user.roles.isdisjoint(self.admin_roles)

    def require_admin(self, principal: Principal, message: str = "Administrator role required.") -> None:
        """Let `principal` act as an admin, or raise `AuthError`: 403 `FORBIDDEN` (with `message`) without an
        admin role; 403 `MFA_REQUIRED` when `admin_require_mfa` is on and the session has no second factor
        (checked after the role, so a non-admin learns nothing of the admin rule). The one admin rule of
        `AdminUser` and of routes open to "the user themself or an admin" alike.
        """
        if not self.is_admin(principal.user):
            raise AuthError.forbidden(ErrorCode.FORBIDDEN, message, realm=self.realm)
        if self.admin_require_mfa and not principal.session.is_multi_factor:
            raise AuthError.forbidden(ErrorCode.MFA_REQUIRED, MFA_REQUIRED_MESSAGE, realm=self.realm)

    @property
    def feed(self) -> RevocationFeed | None:
        """The revocation feed reader (None in `database` mode or when not running). For diagnostics."""
        return None if self._runtime is None else self._runtime.feed

    def status(self) -> GatehouseStatus:
        """The revocation mode in force and the feed's state, for a health endpoint."""
        runtime = self._running()
        feed = runtime.feed
        if feed is None:
            return GatehouseStatus(revocation="database", feed=None, feed_position=None, schema=_name(runtime.schema))
        return GatehouseStatus(
            revocation="feed",
            feed="live" if feed.status is FeedStatus.LIVE else "degraded",
            feed_position=feed.last_id,
            schema=_name(runtime.schema),
        )


def _name(schema: Schema) -> str:
    if schema == Schema.gatehouse():
        return "gatehouse"
    return "better-auth" if schema == Schema.better_auth() else "custom"


def _credential_headers(connection: HTTPConnection) -> tuple[str | None, str | None]:
    """The Authorization and Cookie headers as the auth server's Node HTTP server hands them to better-auth: each
    value without the spaces and tabs around it (Node's llhttp drops them; httptools keeps trailing ones), a
    repeated Authorization header joined with `, ` (so two of them are one malformed value, not the first one),
    repeated Cookie headers joined with `; `. The Cookie header is read only when the Authorization header carries
    no Bearer credential (a Bearer credential alone decides: `Authenticator`).
    """
    headers = connection.headers
    found = headers.getlist("authorization")
    authorization = ", ".join(value.strip(" \t") for value in found) if found else None
    if authorization is not None and bearer_credential(authorization):
        return authorization, None
    cookies = headers.getlist("cookie")
    return authorization, "; ".join(cookies) if cookies else None
