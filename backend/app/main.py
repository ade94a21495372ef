"""App factory: settings → database → credential pipeline (gatehouse-fastapi) → routers, middleware, error handlers."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial

import httpx
from fastapi import FastAPI
from gatehouse_fastapi import Gatehouse, Schema, Tuning
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.openapi import install_openapi, metadata
from app.api.routes import admin, auth, health, landing, sessions, tasks, users
from app.core.body_limit import BodySizeLimitMiddleware
from app.core.config import Settings, get_settings
from app.core.cors import ContractCORSMiddleware
from app.core.db import Database, create_engine
from app.core.docs import install_docs
from app.core.head import HeadAsGetMiddleware
from app.core.header_limit import HeaderSizeLimitMiddleware
from app.core.logging import RequestContextMiddleware, configure_logging, forward_request_id
from app.core.query_params import SingleValuedQueryMiddleware
from app.core.security_headers import SecurityHeadersMiddleware
from app.core.text_guard import WellFormedTextMiddleware
from app.errors import install_error_handlers
from app.services.identity import IdentityClient

API_PREFIX = "/api/v1"


def gatehouse(settings: Settings, *, engine: AsyncEngine, http: httpx.AsyncClient) -> Gatehouse:
    """The credential pipeline (gatehouse-fastapi) configured from the settings, on the app's own engine.

    Roles, the default role and the admin roles are the package's defaults: the contract's (contract/gatehouse.json),
    as the auth server's admin plugin is configured."""
    return Gatehouse(
        auth_url=settings.auth_url,
        secret=settings.better_auth_secret.get_secret_value(),
        engine=engine,
        schema=Schema.gatehouse(),
        revocation="feed",
        issuer=settings.effective_issuer,
        audience=settings.effective_audience,
        jwks_url=settings.effective_jwks_url,
        algorithms=list(settings.jwt_algorithms),
        cookie_prefix=settings.auth_cookie_prefix,
        secure_cookies=settings.auth_secure_cookies,
        admin_require_mfa=settings.admin_require_mfa,
        trusted_origins=settings.cors_origins,  # the web app's pages; cookie-authenticated writes from others: 403
        jwt_max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
        require_sid_claim=True,  # the auth server's definePayload always adds it
        http=http,
        tuning=Tuning(
            jwt_leeway_seconds=settings.jwt_leeway_seconds,
            max_jwt_length=settings.jwt_max_length,
            jwks_timeout_seconds=settings.jwks_timeout_seconds,
            jwks_min_refetch_seconds=settings.jwks_min_refetch_seconds,
            jwks_max_age_seconds=settings.jwks_max_age_seconds,
            feed_poll_interval_seconds=settings.revocation_poll_interval_seconds,
            feed_max_staleness_seconds=settings.revocation_max_staleness_seconds,
            user_cache_ttl_seconds=settings.auth_user_cache_ttl_seconds,
            session_cache_ttl_seconds=settings.auth_session_cache_ttl_seconds,
            cache_max_entries=settings.auth_cache_max_entries,
            verified_token_cache_entries=settings.jwt_verified_cache_entries,
            db_timeout_seconds=settings.database_connect_timeout_seconds,
            db_statement_timeout_seconds=settings.database_statement_timeout_seconds,
        ),
    )


async def see_own_change(auth: Gatehouse) -> None:
    """Read-your-writes: after the auth server made a change for this worker, drop the worker's caches and read
    the revocation feed before answering, so the next request here sees the change (other workers learn it from
    the feed within its poll interval). If that read fails, the feed stays untrusted and requests are checked in
    the database until one succeeds, so the change is never hidden."""
    feed = auth.feed
    if feed is None:  # revocation="database": nothing is cached
        return
    feed.note_local_write()
    with suppress(Exception):  # logged by the feed; it keeps retrying
        await feed.catch_up()


def freeze_startup_heap() -> None:
    """Move every object alive after start-up (modules, the app, its routes, caches' first entries) out of the
    garbage collector's reach: collected first, then `gc.freeze()` (Python docs, gc module). A full collection
    then scans only what requests created since, not the ~130,000 start-up objects: measured on a worker at
    50 connections, full collections every ~7,000 authenticated requests took ~70 ms each (~15 µs per request
    on average, and as many milliseconds added to the requests they landed in); after freezing, ~3 µs per
    request in all. Frozen objects are still freed by reference counting; only their cycles are never collected,
    so this runs once per process, after start-up, where nothing short-lived is alive."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """Build the FastAPI application; resources are opened in the lifespan and closed after it. `freeze_heap`:
    call `freeze_startup_heap` once the lifespan has started everything (production: one app per process)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(create_engine(settings))
        async with httpx.AsyncClient(follow_redirects=False, event_hooks={"request": [forward_request_id]}) as http:
            app.state.db = database
            auth = gatehouse(settings, engine=database.engine, http=http)
            try:
                async with auth.running():
                    app.state.gatehouse = auth
                    app.state.identity = IdentityClient(
                        auth_url=settings.auth_url,
                        secret=settings.better_auth_secret.get_secret_value(),
                        http=http,
                        timeout_seconds=settings.auth_server_timeout_seconds,
                        after_change=partial(see_own_change, auth),
                    )
                    if freeze_heap:
                        freeze_startup_heap()
                    yield
            finally:
                await database.dispose()

    app = FastAPI(title="Gatehouse backend", version="0.1.0", lifespan=lifespan, **metadata())
    app.state.settings = settings

    # Each router straight on the app: FastAPI matches a request twice per level of router nesting, so an
    # intermediate /api/v1 router would cost every request a level.
    for router in (
        health.router,
        auth.router,
        tasks.router,
        tasks.user_tasks_router,
        users.router,
        sessions.router,
        admin.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(landing.router)
    install_docs(app)
    install_openapi(app)

    install_error_handlers(app)
    # Inside every other layer, so each sees (and logs) the request's own method; the routes see GET.
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(SingleValuedQueryMiddleware)
    # Inside the body-size limit, which bounded what it buffers.
    app.add_middleware(WellFormedTextMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeaderSizeLimitMiddleware, max_bytes=settings.max_header_bytes)
    app.add_middleware(
        ContractCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    # Outside CORS, so preflights and CORS refusals get the headers too; /api/v1 answers are never cached.
    app.add_middleware(SecurityHeadersMiddleware, force_hsts=settings.force_hsts, no_store_prefixes=[API_PREFIX + "/"])
    app.add_middleware(RequestContextMiddleware, log_format=settings.log_format)
    return app


def create_production_app() -> FastAPI:
    """uvicorn entry (`app.main:create_production_app --factory`): settings from the environment, JSON logs."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, freeze_heap=True)
