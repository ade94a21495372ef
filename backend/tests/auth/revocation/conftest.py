"""Fixtures for the feed tests: the app's feed, and a second engine standing in for another service."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi import FastAPI
from gatehouse_fastapi._revocation import RevocationFeed
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import DatabaseSettings
from app.core.db import Database, create_engine


@pytest.fixture
def feed(app: FastAPI) -> RevocationFeed:
    """The running app's revocation feed."""
    revocation_feed = app.state.gatehouse.feed
    assert isinstance(revocation_feed, RevocationFeed)
    return revocation_feed


@pytest_asyncio.fixture
async def elsewhere(app: FastAPI, database_url: str) -> AsyncIterator[AsyncEngine]:
    """Another writer on the same database (the auth server, an operator): its writes are not this process's,
    so the app learns of them only through the feed."""
    engine = create_engine(DatabaseSettings(_env_file=None, database_url=database_url))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def app_db_engine(app: FastAPI) -> AsyncEngine:
    """The engine requests use (the one whose queries count)."""
    database: Database = app.state.db
    return database.engine
