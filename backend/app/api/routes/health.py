"""Liveness and database readiness."""

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Request
from gatehouse_fastapi import Gatehouse
from pydantic import BaseModel

from app.core.db import Database
from app.errors import RETRY_AFTER_SECONDS, ApiError, ErrorCode, error_responses

router = APIRouter(prefix="/health", tags=["health"])
log = logging.getLogger("gatehouse.health")


class HealthStatus(BaseModel):
    """Health response body. `revocation_feed`: `live` (the backend answers from its caches, kept current by the
    revocation feed) or `degraded` (the feed cannot be read, so every request is checked in the database)."""

    status: str
    revocation_feed: Literal["live", "degraded"]


class DatabaseHealth(BaseModel):
    """Database readiness response body."""

    status: str
    database: str


@router.get("")
async def health(request: Request) -> HealthStatus:
    """The process is up (no dependency is checked), and whether the revocation feed is being followed."""
    gatehouse: Gatehouse = request.app.state.gatehouse
    return HealthStatus(status="ok", revocation_feed=gatehouse.status().feed or "degraded")


@router.get("/db", responses=error_responses(ErrorCode.DATABASE_UNAVAILABLE))
async def health_db(request: Request) -> DatabaseHealth:
    """The database answers `SELECT 1` within the connect timeout; 503 otherwise."""
    database: Database = request.app.state.db
    timeout: float = request.app.state.settings.database_connect_timeout_seconds
    try:
        await asyncio.wait_for(database.ping(), timeout=timeout)
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log, not the client
        log.warning("database health check failed", extra={"error": repr(exc)})
        raise ApiError(
            ErrorCode.DATABASE_UNAVAILABLE,
            "The database is unavailable.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc
    return DatabaseHealth(status="ok", database=database.dialect)
