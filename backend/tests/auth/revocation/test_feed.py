"""The revocation consumer against the real database: rows written by the auth server's own triggers (session
deletes, bans, role and password changes made by "another service"), the start-up window, out-of-order
commits, and the fail-safe when the feed cannot be read."""

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from gatehouse_fastapi._revocation import (
    APPLICATION_NAME,
    CredentialCache,
    FeedSource,
    FeedStatus,
    RevocationFeed,
    RevocationView,
)
from gatehouse_fastapi._revocation.feed import TRUST_SECONDS
from gatehouse_fastapi._revocation.rows import revocations
from gatehouse_test_support.jwks import JwksServer
from gatehouse_test_support.waiting import count_queries, eventually
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import DatabaseSettings
from app.core.db import create_engine
from app.models import Account, User, UserSession, utcnow
from tests.utils.factories import Actor, make_account, make_session

ME = "/api/v1/auth/me"


def jwt(jwks: JwksServer, actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwks.mint(sub=actor.user.id, sid=actor.session.id)}"}


async def delete_session(engine: AsyncEngine, session_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(UserSession).where(UserSession.id == session_id))


async def update_user(engine: AsyncEngine, user_id: str, **values: object) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(User).where(User.id == user_id).values(**values))


def feed_on(
    database_url: str, clock: Callable[[], float] = time.monotonic, *, max_staleness_seconds: float = 5.0
) -> RevocationFeed:
    """A feed of its own on the test database (not the app's), a 965 s window, on `clock`."""
    return RevocationFeed(
        FeedSource(create_engine(DatabaseSettings(_env_file=None, database_url=database_url))),
        view=RevocationView(window_seconds=965),
        cache=CredentialCache(),
        max_staleness_seconds=max_staleness_seconds,
        clock=clock,
    )


async def hang(*_args: object) -> list[object]:
    """A feed read that never answers (cancelled by the feed's stop(), or by its own time bound)."""
    await asyncio.sleep(30)
    return []


async def test_session_deleted_elsewhere_is_revoked_within_one_poll(
    feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor
) -> None:
    assert not feed.view.is_revoked(alice.session.id)
    await delete_session(elsewhere, alice.session.id)
    took = await eventually(lambda: feed.view.is_revoked(alice.session.id), within=1.0)
    assert took < 1.0


@pytest.mark.parametrize("kind", ["jwt", "bearer", "cookie"])
async def test_credential_of_session_deleted_elsewhere_refused_within_one_second(
    client: httpx.AsyncClient, jwks: JwksServer, elsewhere: AsyncEngine, alice: Actor, kind: str
) -> None:
    headers = {"jwt": jwt(jwks, alice), "bearer": alice.bearer(), "cookie": alice.cookie()}[kind]
    assert (await client.get(ME, headers=headers)).status_code == 200
    await delete_session(elsewhere, alice.session.id)

    async def refused() -> bool:
        return (await client.get(ME, headers=headers)).status_code == 401

    await eventually(refused, within=1.0)


@pytest.mark.parametrize("kind", ["jwt", "bearer", "cookie"])
async def test_session_expired_elsewhere_is_dropped_from_the_cache_and_refused(
    client: httpx.AsyncClient, jwks: JwksServer, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor, kind: str
) -> None:
    headers = {"jwt": jwt(jwks, alice), "bearer": alice.bearer(), "cookie": alice.cookie()}[kind]
    assert (await client.get(ME, headers=headers)).status_code == 200
    await eventually(lambda: feed.cache.session(alice.session.id) is not None)
    async with elsewhere.begin() as conn:  # an operator's "expire now": the row stays, no delete
        await conn.execute(
            update(UserSession)
            .where(UserSession.id == alice.session.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )

    async def refused() -> bool:
        return (await client.get(ME, headers=headers)).status_code == 401

    await eventually(refused, within=1.0)
    assert not feed.view.is_revoked(alice.session.id)  # a changed session, not a revoked one


async def test_ban_elsewhere_drops_cached_sessions_and_answers_banned(
    client: httpx.AsyncClient, jwks: JwksServer, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor
) -> None:
    for headers in (jwt(jwks, alice), alice.bearer()):
        assert (await client.get(ME, headers=headers)).status_code == 200
    assert feed.cache.session(alice.session.id) is not None
    # The database also deletes the user's sessions when the ban comes into force (auth server migration 0007).
    await update_user(elsewhere, alice.user.id, banned=True, ban_reason="spam")
    await eventually(lambda: feed.cache.session(alice.session.id) is None)
    assert feed.view.cutoff(alice.user.id) is not None
    for headers in (jwt(jwks, alice), alice.bearer(), alice.cookie()):
        response = await client.get(ME, headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, "UNAUTHORIZED")
    # A session written after the ban (a sign-in racing it) is refused as banned.
    async with AsyncSession(elsewhere, expire_on_commit=False) as db:
        late = Actor(user=alice.user, session=await make_session(db, alice.user))
    for headers in (jwt(jwks, late), late.bearer(), late.cookie()):
        response = await client.get(ME, headers=headers)
        assert (response.status_code, response.json()["code"]) == (403, "BANNED_USER")


async def test_role_change_elsewhere_refreshes_the_user_and_keeps_the_session(
    client: httpx.AsyncClient, jwks: JwksServer, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor
) -> None:
    headers = jwt(jwks, alice)
    assert (await client.get(ME, headers=headers)).json()["role"] == "user"
    await update_user(elsewhere, alice.user.id, role="admin")
    await eventually(lambda: feed.cache.user(alice.user.id) is None)
    assert feed.cache.session(alice.session.id) is not None
    assert (await client.get(ME, headers=headers)).json()["role"] == "admin"


async def test_password_change_elsewhere_drops_the_users_sessions(
    client: httpx.AsyncClient, db: AsyncSession, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor
) -> None:
    account = await make_account(db, alice.user)
    assert (await client.get(ME, headers=alice.bearer())).status_code == 200
    await eventually(lambda: feed.trusted())
    assert (await client.get(ME, headers=alice.bearer())).status_code == 200
    assert feed.cache.session(alice.session.id) is not None
    async with elsewhere.begin() as conn:
        await conn.execute(update(Account).where(Account.id == account.id).values(password="$argon2id$new"))
    await eventually(lambda: feed.cache.session(alice.session.id) is None)


async def test_start_loads_the_recent_window_and_resumes_after_the_newest_row(
    database_url: str, elsewhere: AsyncEngine, alice: Actor, bob: Actor
) -> None:
    await delete_session(elsewhere, alice.session.id)
    async with elsewhere.begin() as conn:  # a revocation older than any JWT still alive
        await conn.execute(
            insert(revocations).values(
                kind="session",
                user_id="ancient",
                session_id="ancient-session",
                created_at=utcnow() - timedelta(hours=2),
            )
        )
        newest = (await conn.execute(select(func.max(revocations.c.id)))).scalar_one()
    restarted = feed_on(database_url)
    await restarted.start(first_read_seconds=5)
    try:
        assert restarted.status is FeedStatus.LIVE
        assert restarted.view.is_revoked(alice.session.id)
        assert not restarted.view.is_revoked("ancient-session")
        assert restarted.last_id == newest
        applied = restarted.rows_applied
        await delete_session(elsewhere, bob.session.id)
        await eventually(lambda: restarted.view.is_revoked(bob.session.id))
        assert restarted.rows_applied == applied + 1  # resumed after the newest row, nothing read twice
    finally:
        await restarted.stop()


async def test_id_that_commits_after_a_higher_one_is_not_lost(
    db_kind: str, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor, bob: Actor
) -> None:
    if db_kind != "postgres":
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    gaps_before = feed.pending_gaps
    async with elsewhere.connect() as slow, elsewhere.connect() as fast:
        await slow.begin()
        await slow.execute(delete(UserSession).where(UserSession.id == alice.session.id))  # takes id n
        await fast.begin()
        await fast.execute(delete(UserSession).where(UserSession.id == bob.session.id))  # takes id n + 1
        await fast.commit()
        await eventually(lambda: feed.view.is_revoked(bob.session.id))
        assert not feed.view.is_revoked(alice.session.id)
        assert feed.pending_gaps == gaps_before + 1  # alice's id, remembered and asked for again
        await slow.commit()
    await eventually(lambda: feed.view.is_revoked(alice.session.id))
    assert feed.pending_gaps == gaps_before


async def test_failed_read_stops_trusting_caches_at_once_and_recovers(
    client: httpx.AsyncClient,
    app_db_engine: AsyncEngine,
    jwks: JwksServer,
    feed: RevocationFeed,
    elsewhere: AsyncEngine,
    alice: Actor,
    bob: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice_jwt, bob_jwt = jwt(jwks, alice), jwt(jwks, bob)
    for headers in (alice_jwt, bob_jwt):
        assert (await client.get(ME, headers=headers)).status_code == 200

    async def unreadable(*_args: object) -> list[object]:
        raise RuntimeError("permission denied for table auth_revocations")

    monkeypatch.setattr(feed.source, "read", unreadable)
    await eventually(lambda: feed.status is FeedStatus.DEGRADED, within=1.0)
    assert (await client.get("/api/v1/health")).json()["revocation_feed"] == "degraded"
    with count_queries(app_db_engine) as queries:
        assert (await client.get(ME, headers=bob_jwt)).status_code == 200
    assert len(queries) >= 1  # the database answers, not the cache
    await delete_session(elsewhere, alice.session.id)
    assert (await client.get(ME, headers=alice_jwt)).status_code == 401  # at once, no feed needed

    monkeypatch.undo()
    await eventually(lambda: feed.status is FeedStatus.LIVE, within=2.0)
    assert (await client.get("/api/v1/health")).json()["revocation_feed"] == "live"
    assert feed.view.is_revoked(alice.session.id)  # the outage's rows were caught up
    assert (await client.get(ME, headers=alice_jwt)).status_code == 401


async def test_hung_read_degrades_after_max_staleness(
    database_url: str, monkeypatch: pytest.MonkeyPatch, alice: Actor
) -> None:
    feed = feed_on(database_url, max_staleness_seconds=0.4)
    await feed.start(first_read_seconds=5)
    try:
        # Live first: on a loaded machine one of the first reads can itself take longer than the 0.4 s bound (the
        # feed then degrades as designed and recovers at the next read in time).
        await eventually(lambda: feed.trusted(), within=5.0)

        monkeypatch.setattr(feed.source, "read", hang)
        took = await eventually(lambda: not feed.trusted(), within=2.0)
        assert took >= 0.1  # not before the bound: a slow read is not yet a dead feed
        monkeypatch.undo()
        await eventually(lambda: feed.trusted(), within=3.0)
    finally:
        await feed.stop()


async def test_a_read_under_way_is_not_a_stalled_feed_and_reads_keep_their_rate(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a loaded worker a read takes a while (each of its awaits queues behind the requests being served). It
    # must neither count as "stalled" (a cache hit would then yield to the event loop for nothing: half of a
    # loaded worker's requests did) nor push the next read back by its own duration.
    now = [1000.0]
    feed = feed_on(database_url, lambda: now[0])  # the default poll interval, 0.25 s
    waits: list[float] = []
    try:
        await feed.catch_up()  # a good read began at 1000.0
        now[0] = 1000.0 + 0.25 + 0.1  # the next read is under way, 0.1 s in
        assert not feed.overdue()
        now[0] = 1000.0 + 0.375 + 0.01  # an interval and a half without a good read beginning: stalled
        assert feed.overdue()

        real_catch_up = feed.catch_up

        took = [0.1]  # the read takes 0.1 s of the interval

        async def slow_catch_up() -> int:
            applied = await real_catch_up()
            now[0] += took[0]
            return applied

        async def recorded_wait(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 3:
                took[0] = 0.4  # the next read takes longer than the interval
            if len(waits) >= 4:
                await asyncio.sleep(30)  # ends here; stop() cancels it

        monkeypatch.setattr(feed, "catch_up", slow_catch_up)
        monkeypatch.setattr(feed.source, "wait", recorded_wait)
        await feed.start(first_read_seconds=5)
        await eventually(lambda: len(waits) >= 4, within=5.0)
    finally:
        await feed.stop()
    # The first wait comes before any read; each later one is what is left of the interval once a read is done,
    # and at least a quarter interval after a read slower than the interval (no reads back to back).
    assert waits[0] == pytest.approx(0.25)
    assert waits[1:4] == [pytest.approx(0.15), pytest.approx(0.15), pytest.approx(0.0625)]


async def test_killed_listen_connection_reconnects_and_catches_up(
    db_kind: str, feed: RevocationFeed, elsewhere: AsyncEngine, alice: Actor
) -> None:
    if db_kind != "postgres":
        pytest.skip("LISTEN is PostgreSQL's")
    connects = feed.source.connects
    async with elsewhere.begin() as conn:
        killed = (
            await conn.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() "
                    "and application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            )
        ).all()
    assert len(killed) == 1
    await delete_session(elsewhere, alice.session.id)
    await eventually(lambda: feed.view.is_revoked(alice.session.id), within=1.0)
    assert feed.source.connects > connects
    await eventually(lambda: feed.status is FeedStatus.LIVE)


@pytest.mark.auth_server  # the rename is made by the auth server (one writer), this worker then reads its feed
async def test_own_auth_write_clears_caches_but_a_task_write_does_not(
    client: httpx.AsyncClient, jwks: JwksServer, feed: RevocationFeed, alice: Actor
) -> None:
    headers = jwt(jwks, alice)
    assert (await client.get(ME, headers=headers)).status_code == 200
    await eventually(lambda: feed.trusted())
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.post("/api/v1/tasks", json={"title": "x"}, headers=headers)).status_code == 201
    assert feed.cache.session(alice.session.id) is not None
    renamed = await client.patch(f"/api/v1/users/{alice.user.id}", json={"name": "Alice L."}, headers=headers)
    assert renamed.status_code == 200
    # Read-your-writes in this worker, even for a field the feed does not carry.
    assert (await client.get(ME, headers=headers)).json()["name"] == "Alice L."


async def test_back_to_back_cached_requests_do_not_starve_the_feed(
    client: httpx.AsyncClient, jwks: JwksServer, elsewhere: AsyncEngine, alice: Actor
) -> None:
    # No sleep between requests: answered from memory, they must still let the feed task run.
    headers = jwt(jwks, alice)
    assert (await client.get(ME, headers=headers)).status_code == 200
    await delete_session(elsewhere, alice.session.id)
    started = time.monotonic()
    while (await client.get(ME, headers=headers)).status_code == 200:
        assert time.monotonic() - started < 1.0, "still accepted after 1 s"


@pytest.mark.parametrize("kind", ["jwt", "bearer", "cookie"])
async def test_a_feed_that_misses_its_schedule_still_refuses_within_one_second(
    client: httpx.AsyncClient,
    jwks: JwksServer,
    feed: RevocationFeed,
    elsewhere: AsyncEngine,
    alice: Actor,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    # The schedule is not the guarantee: whatever keeps the feed task from reading on time (an event loop that
    # requests never yield, a stuck timer), the caches stop answering once their newest read is older than
    # TRUST_SECONDS, and the request waits for a read that begins after it. Before that bound, this answered 200
    # for `max_staleness` (5 s), until the feed was declared degraded.
    headers = {"jwt": jwt(jwks, alice), "bearer": alice.bearer(), "cookie": alice.cookie()}[kind]
    assert (await client.get(ME, headers=headers)).status_code == 200
    stuck = asyncio.Event()

    async def never(_seconds: float) -> None:
        stuck.set()
        await asyncio.sleep(30)  # cancelled by the feed's stop()

    monkeypatch.setattr(feed.source, "wait", never)
    await asyncio.wait_for(stuck.wait(), timeout=2.0)  # the reading task is now parked for good
    await eventually(lambda: feed.trusted())  # its last read was recent
    assert (await client.get(ME, headers=headers)).status_code == 200

    await delete_session(elsewhere, alice.session.id)

    async def refused() -> bool:
        return (await client.get(ME, headers=headers)).status_code == 401

    await eventually(refused, within=1.0)
    assert feed.status is FeedStatus.LIVE  # answered from a fresh read, not by giving up on the feed


async def test_stale_caches_are_trusted_again_after_one_read_shared_by_every_waiting_request(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    feed = feed_on(database_url, lambda: now[0])
    try:
        await feed.catch_up()  # the start-up window; a good read began at 1000.0
        assert feed.trusted()
        now[0] += TRUST_SECONDS  # at the bound: still trusted
        assert feed.trusted()
        now[0] += 0.01  # past it: the feed is still "live" for a health check, but its caches no longer answer
        assert feed.status is FeedStatus.LIVE
        assert not feed.trusted()

        real_catch_up = feed.catch_up
        began: list[float] = []

        async def counted_catch_up() -> int:
            began.append(now[0])
            return await real_catch_up()

        monkeypatch.setattr(feed, "catch_up", counted_catch_up)
        assert await asyncio.gather(*(feed.refresh() for _ in range(20))) == [True] * 20
        assert began == [now[0]]  # one read for all twenty, begun after they asked
        assert feed.trusted()
        assert await feed.refresh()  # already current: no read
        assert len(began) == 1
    finally:
        await feed.stop()


async def test_refresh_does_not_wait_past_a_hung_read(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    skew = [0.0]
    feed = feed_on(database_url, lambda: time.monotonic() + skew[0])
    try:
        await feed.catch_up()

        monkeypatch.setattr(feed.source, "read", hang)
        skew[0] = TRUST_SECONDS + 0.01  # stale, and the read it would wait for hangs
        began = time.monotonic()
        assert not await feed.refresh()
        assert time.monotonic() - began >= TRUST_SECONDS - 0.05  # waited for the read, up to the bound
        began = time.monotonic()
        assert not await feed.refresh()  # the same read, still hung: the database answers at once
        assert time.monotonic() - began < TRUST_SECONDS / 2
    finally:
        await feed.stop()  # cancels the hung read


async def test_refresh_sends_a_failing_feed_straight_to_the_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    feed = feed_on(database_url, lambda: now[0])
    try:
        await feed.catch_up()

        async def unreadable(*_args: object) -> list[object]:
            raise RuntimeError("permission denied for table auth_revocations")

        monkeypatch.setattr(feed.source, "read", unreadable)
        with pytest.raises(RuntimeError):
            await feed.catch_up()
        reads: list[int] = []

        async def counted_catch_up() -> int:
            reads.append(1)
            return 0

        monkeypatch.setattr(feed, "catch_up", counted_catch_up)
        assert not await feed.refresh()  # no read per request while failing: the run loop's backoff retries
        assert reads == []
    finally:
        await feed.stop()


async def test_a_read_that_stops_at_its_batch_limit_does_not_make_the_caches_current(
    database_url: str, elsewhere: AsyncEngine, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A backlog (an expiry clean-up deletes thousands of sessions, one feed row each) can leave a read at its
    # batch limit with a revocation behind the rows it read. That read began after the revocation committed, so
    # counting it as "current" would let the caches answer for it.
    monkeypatch.setattr(FeedSource, "batch_size", property(lambda _source: 2))  # 20 batches of 2 rows per read
    feed = feed_on(database_url)
    try:
        await feed.catch_up()
        async with elsewhere.begin() as conn:
            await conn.execute(
                insert(revocations), [{"kind": "session", "user_id": "u", "session_id": f"gone-{i}"} for i in range(50)]
            )
        await delete_session(elsewhere, alice.session.id)
        feed.note_local_write()  # and a write of this process's own, behind them too
        await feed.catch_up()  # 40 of the 51 rows
        assert not feed.view.is_revoked(alice.session.id)
        assert not feed.trusted()
        assert not await feed.refresh()  # waits for one more read, still partial: the database answers
        await feed.catch_up()
        assert feed.view.is_revoked(alice.session.id)
        assert feed.trusted()
    finally:
        await feed.stop()


async def test_refresh_after_or_during_stop_neither_reads_nor_raises(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    skew = [0.0]
    feed = feed_on(database_url, lambda: time.monotonic() + skew[0])
    await feed.catch_up()

    monkeypatch.setattr(feed.source, "read", hang)
    skew[0] = TRUST_SECONDS + 0.01
    waiting = asyncio.create_task(feed.refresh())
    await eventually(lambda: feed._refresh is not None)
    await feed.stop()  # cancels the shared read under the waiting request
    assert await waiting is False  # the database answers it; stop()'s cancellation is not the request's
    connects = feed.source.connects
    assert await feed.refresh() is False
    assert feed.source.connects == connects  # a stopped feed does not reconnect
