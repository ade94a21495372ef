"""App factory: settings → database → credential pipeline → routers, middleware, error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from gatehouse_fastapi._contract import ADMIN_ROLES

from app.api.openapi import install_openapi, metadata
from app.api.routes import admin, auth, health, sessions, tasks, users
from app.auth.setup import AuthConfig, RevocationConfig, running_auth
from app.core.body_limit import BodySizeLimitMiddleware
from app.core.config import Settings, get_settings
from app.core.db import Database, create_engine
from app.core.docs import install_docs
from app.core.logging import RequestContextMiddleware, configure_logging, forward_request_id
from app.core.security_headers import SecurityHeadersMiddleware
from app.errors import install_error_handlers

API_PREFIX = "/api/v1"


def auth_config(settings: Settings) -> AuthConfig:
    """The integration's view of the settings."""
    return AuthConfig(
        secret=settings.better_auth_secret.get_secret_value().encode(),
        jwks_url=settings.effective_jwks_url,
        issuer=settings.effective_issuer,
        audience=settings.effective_audience,
        algorithms=list(settings.jwt_algorithms),
        cookie_prefix=settings.auth_cookie_prefix,
        leeway_seconds=settings.jwt_leeway_seconds,
        max_jwt_length=settings.jwt_max_length,
        jwks_timeout_seconds=settings.jwks_timeout_seconds,
        jwks_cooldown_seconds=settings.jwks_refetch_cooldown_seconds,
        jwks_max_age_seconds=settings.jwks_max_age_seconds,
        revocation=RevocationConfig(
            poll_interval_seconds=settings.revocation_poll_interval_seconds,
            max_staleness_seconds=settings.revocation_max_staleness_seconds,
            window_seconds=settings.revocation_window_seconds,
            user_cache_ttl_seconds=settings.auth_user_cache_ttl_seconds,
            session_cache_ttl_seconds=settings.auth_session_cache_ttl_seconds,
            cache_max_entries=settings.auth_cache_max_entries,
        ),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application; resources are opened in the lifespan and closed after it."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(create_engine(settings))
        async with httpx.AsyncClient(follow_redirects=False, event_hooks={"request": [forward_request_id]}) as http:
            app.state.db = database
            try:
                # The revocation feed reads through an engine of its own (one long-lived connection).
                async with running_auth(
                    auth_config(settings),
                    engine=database.engine,
                    sessionmaker=database.sessionmaker,
                    feed_engine=create_engine(settings),
                    http=http,
                ) as auth_runtime:
                    app.state.authenticator = auth_runtime.authenticator
                    app.state.revocation_feed = auth_runtime.feed
                    yield
            finally:
                await database.dispose()

    app = FastAPI(title="Gatehouse backend", version="0.1.0", lifespan=lifespan, **metadata())
    app.state.settings = settings
    app.state.admin_roles = frozenset(ADMIN_ROLES)  # contract/gatehouse.json, as the auth server's admin plugin

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        health.router,
        auth.router,
        tasks.router,
        tasks.user_tasks_router,
        users.router,
        sessions.router,
        admin.router,
    ):
        api.include_router(router)
    app.include_router(api)
    install_docs(app)
    install_openapi(app)

    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    # Outside CORS, so preflights and CORS refusals get the headers too; /api/v1 answers are never cached.
    app.add_middleware(SecurityHeadersMiddleware, force_hsts=settings.force_hsts, no_store_prefixes=[API_PREFIX + "/"])
    app.add_middleware(RequestContextMiddleware)
    return app


def create_production_app() -> FastAPI:
    """uvicorn entry (`app.main:create_production_app --factory`): settings from the environment, JSON logs."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
