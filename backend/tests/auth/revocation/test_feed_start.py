"""Issue 11, failure 3, as reproduced there: a worker that starts while a revocation's transaction is still open
must refuse that session once the transaction commits, and its start-up window is measured on the database's
clock, not its own. The "worker" is a second app instance with its own lifespan on the same database."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import httpx
from gatehouse_fastapi._revocation import CredentialCache, FeedSource, FeedStatus, RevocationFeed, RevocationView
from gatehouse_fastapi._time import utcnow
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.waiting import eventually
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import DatabaseSettings, Settings
from app.core.db import create_engine
from app.main import create_app
from app.models import UserSession
from tests.utils.factories import Actor

ME = "/api/v1/auth/me"


@asynccontextmanager
async def worker(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A backend worker started now (lifespan run: feed loaded), and a client talking to it in-process."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_worker_started_while_a_deleting_transaction_is_open_refuses_the_session_after_it_commits(
    db_kind: str, settings: Settings, jwks: JwksServer, elsewhere: AsyncEngine, alice: Actor, bob: Actor
) -> None:
    alice_jwt = {"Authorization": f"Bearer {jwks.mint(sub=alice.user.id, sid=alice.session.id)}"}
    async with elsewhere.connect() as t1:
        await t1.begin()
        await t1.execute(delete(UserSession).where(UserSession.id == alice.session.id))  # takes feed id n, stays open
        if db_kind == "postgres":
            # T2 takes id n + 1 and commits: the worker's start-up window now holds a row above alice's. (SQLite
            # has one writer at a time, so there T2 would wait for T1 and ids commit in order.)
            async with elsewhere.begin() as t2:
                await t2.execute(delete(UserSession).where(UserSession.id == bob.session.id))
        async with worker(settings) as client:
            assert (await client.get(ME, headers=alice_jwt)).status_code == 200  # uncommitted: still alive
            await t1.commit()

            async def refused() -> bool:
                return (await client.get(ME, headers=alice_jwt)).status_code == 401

            await eventually(refused, within=1.5)


async def feed_with_clock(database_url: str, wall_clock: Callable[[], datetime]) -> RevocationFeed:
    feed = RevocationFeed(
        FeedSource(create_engine(DatabaseSettings(_env_file=None, database_url=database_url))),
        view=RevocationView(window_seconds=965),
        cache=CredentialCache(),
        wall_clock=wall_clock,
    )
    await feed.start(first_read_seconds=5)
    return feed


async def test_start_up_window_follows_the_database_clock_not_the_workers(
    database_url: str, elsewhere: AsyncEngine, alice: Actor, bob: Actor
) -> None:
    async with elsewhere.begin() as conn:
        await conn.execute(delete(UserSession).where(UserSession.id == alice.session.id))
    for skew in (timedelta(minutes=30), -timedelta(minutes=30)):

        def skewed(skew: timedelta = skew) -> datetime:
            return utcnow() + skew

        feed = await feed_with_clock(database_url, skewed)
        try:
            assert feed.status is FeedStatus.LIVE
            # A worker whose clock runs 30 minutes ahead would have placed the window after this revocation. (Its
            # first read also pruned the view, on the database's clock too, or the entry would be gone again.)
            assert feed.view.is_revoked(alice.session.id), skew
        finally:
            await feed.stop()
    bob_feed = await feed_with_clock(database_url, lambda: utcnow() + timedelta(hours=1))
    try:
        async with elsewhere.begin() as conn:
            await conn.execute(delete(UserSession).where(UserSession.id == bob.session.id))
        await eventually(lambda: bob_feed.view.is_revoked(bob.session.id))
    finally:
        await bob_feed.stop()
