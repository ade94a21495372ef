"""The revocation consumer: follows `auth_revocations` and keeps the view and the caches current.

PostgreSQL pushes (LISTEN `gatehouse_revocations`, woken per committed row); SQLite is polled. Either way a read
begins every `poll_interval` (or a quarter interval after the previous one ended, when reads take longer; a wake-up
starts one at once), which also proves the feed is still readable. Reading is the
shared cursor algorithm (`cursor.FeedCursor`, the auth server's Redis sync uses its TypeScript twin): ids that
commit after higher ones are kept as gaps and read when they commit. On start the rows of the last window
(longest JWT lifetime + slack, measured on the database's clock) are loaded, so a restarted worker knows
every session revoked while it was down, and every id up to the newest that has not committed yet (a
transaction still open) is a gap, read once it commits.

Fail safe, not fail open: the caches are trusted only while the feed is confirmed current. A failed read
stops that at once; a read that hangs does once the last good one is older than `max_staleness`. Until a
read succeeds again, every request is checked against the database.

The one-second promise does not rest on the schedule being kept. The caches answer only while the newest good
read began at most `TRUST_SECONDS` ago; a request that finds them older waits for a read that begins after it
(`refresh`), or asks the database. So an event loop too busy to run the feed task on time (requests that
never yield, a loaded machine) makes answers slower, never stale.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from gatehouse_fastapi._contract import REVOCATION_CACHE_TRUST_MS
from gatehouse_fastapi._revocation.cache import CredentialCache
from gatehouse_fastapi._revocation.cursor import FeedCursor
from gatehouse_fastapi._revocation.rows import FeedKind, FeedRow
from gatehouse_fastapi._revocation.source import FeedSource
from gatehouse_fastapi._revocation.view import RevocationView
from gatehouse_fastapi._time import utcnow

log = logging.getLogger("gatehouse.auth.revocation")

_PRUNE_EVERY_SECONDS = 5.0
_MAX_BACKOFF_SECONDS = 1.0
_MAX_BATCHES = 20
"""Batches one catch-up reads at most; if more remain the next one follows at once."""
_START_MAX_BATCHES = 100_000
"""Batches the start-up window may take: it is read whole before the ids not yet committed become gaps."""
TRUST_SECONDS = REVOCATION_CACHE_TRUST_MS / 1000
"""The caches answer only while the newest good read began at most this long ago (seconds; 0.5).

Half of the one-second revocation bound (contract.revocation, shared with the auth server's Redis sync): a
request checked more than this long after a revocation committed is answered from a read that began after the
commit, or by the database. The other half is for the read such a request waits for, and for the request itself.
The schedule (one read per `poll_interval` ≤ 0.25 s, ~80 ms per read on a loaded worker) stays well inside it.
"""


class FeedStatus(StrEnum):
    """Whether the process can trust its caches (`live`) or checks the database per request (`degraded`)."""

    LIVE = "live"
    DEGRADED = "degraded"


class RevocationFeed:
    """Applies feed rows to a `RevocationView` and a `CredentialCache`; reports whether they can be trusted."""

    def __init__(
        self,
        source: FeedSource,
        *,
        view: RevocationView,
        cache: CredentialCache,
        poll_interval_seconds: float = 0.25,
        max_staleness_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.source = source
        self.view = view
        self.cache = cache
        self._interval = poll_interval_seconds
        self._max_staleness = max_staleness_seconds
        self._clock = clock
        self._wall = wall_clock  # only to follow the database's clock between reads of it (see _db_now_ms)
        self._offset_ms = 0
        self._cursor = FeedCursor(gap_ttl_ms=int(view.window.total_seconds() * 1000))
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._loaded = False
        self._stopping = False
        self._failing = False
        self._last_ok: float | None = None
        self._last_prune = 0.0
        self._trust_seconds = min(TRUST_SECONDS, max_staleness_seconds)
        self._refresh: asyncio.Task[int] | None = None  # the read stale requests wait for (one at a time)
        self._refresh_deadline = 0.0  # past it, requests stop waiting for that read and ask the database
        self._writes = 0  # local auth-table writes noticed
        self._writes_applied = 0  # of those, how many a completed read is known to cover
        self.rows_applied = 0

    # -- state -------------------------------------------------------------------------------------

    @property
    def status(self) -> FeedStatus:
        """`live` while the feed is loaded, readable and current; else `degraded`."""
        age = self._age()
        return FeedStatus.LIVE if age is not None and age <= self._max_staleness else FeedStatus.DEGRADED

    def _age(self) -> float | None:
        """Seconds since the newest complete good read began; None while not loaded, failing, or never read."""
        if not self._loaded or self._failing or self._last_ok is None:
            return None
        return self._clock() - self._last_ok

    def overdue(self) -> bool:
        """Whether reading has stalled: the last read to complete began more than one and a half poll intervals ago
        (so a read still in flight past half an interval counts as late too).

        One interval is the schedule; the half is the slack a read in flight legitimately takes on a busy event
        loop (each of its awaits waits its turn behind the requests being served; ~80 ms at 50 connections).
        Measured with one interval, half the requests of a loaded worker found the feed "late" while its read was
        simply under way; with two, a caller starving the loop waited up to twice as long for a revocation.
        """
        return self._last_ok is None or self._clock() - self._last_ok > 1.5 * self._interval

    def trusted(self) -> bool:
        """Whether a request may be answered from the caches now: the feed is live, covers this process's own
        writes, and its newest good read began at most `TRUST_SECONDS` ago. Else see `refresh`.
        """
        if self._writes_applied < self._writes:
            return False
        age = self._age()
        return age is not None and age <= self._trust_seconds

    async def refresh(self) -> bool:
        """For a request that found the caches not `trusted`: when their age is the only reason, wait for a read
        that begins now (one for all such requests) and say whether they can be trusted after it.

        Returns False at once when the feed is stopping, failing, not loaded, or behind this process's own writes
        (the request then asks the database, as before), and when the shared read has not finished within
        `TRUST_SECONDS` of its start (a hung read costs the requests of its first half second that wait, later
        ones none). A read that finishes but slowly (over ~0.19 s: the trust window less the schedule) leaves the
        caches stale for part of each cycle, so some requests wait every cycle; past 0.5 s per read, most ask
        the database. That is the promise costing time, not a fault: the feed stays `live`.
        Raises only the caller's own cancellation; a cancelled request does not cancel the read others wait for.
        """
        if self._stopping or self._writes_applied < self._writes or self._age() is None:
            return False
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_read(), name="revocation-feed-refresh")
            self._refresh.add_done_callback(_consume_result)
            self._refresh_deadline = self._clock() + self._trust_seconds
        read = self._refresh
        left = self._refresh_deadline - self._clock()
        if left <= 0:
            return False
        # asyncio.wait neither cancels the read on timeout nor raises its failure or cancellation (stop()) here.
        await asyncio.wait((read,), timeout=left)
        if not read.done() or read.cancelled() or read.exception() is not None:
            return False  # still running past the bound, stopped, or failed (logged by catch_up)
        return self.trusted()

    async def _refresh_read(self) -> int:
        async with self._lock:  # a read under way may already have made the caches current
            if self.trusted():
                return 0
        return await self.catch_up()

    @property
    def last_id(self) -> int:
        """The highest feed id applied."""
        return self._cursor.last_id

    @property
    def pending_gaps(self) -> int:
        """Ids below `last_id` not read yet (PostgreSQL transactions that have not committed, or never will)."""
        return self._cursor.gap_count

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self, *, first_read_seconds: float) -> None:
        """Load the start-up window (waiting at most `first_read_seconds`; on failure start degraded), then
        follow the feed.
        """
        try:
            async with asyncio.timeout(first_read_seconds):
                await self.catch_up()
        except Exception as exc:  # the loop keeps retrying; requests meanwhile go to the database
            log.warning("revocation feed unreadable at start; checking the database per request", exc_info=exc)
        self._task = asyncio.create_task(self._run(), name="revocation-feed")

    async def stop(self) -> None:
        """Stop following and close the feed's connection."""
        self._stopping = True
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refresh
            self._refresh = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.source.close()

    def note_local_write(self) -> None:
        """This process wrote an auth table: stop trusting the caches until a read covers the change."""
        self._writes += 1
        self.cache.clear()  # fields the feed does not carry (name, image, expiry) may have changed too
        self.source.wake()

    # -- reading -----------------------------------------------------------------------------------

    async def catch_up(self) -> int:
        """Read and apply every row not yet seen; returns how many. Raises if the feed cannot be read."""
        async with self._lock:
            writes = self._writes
            started = self._clock()
            try:
                async with asyncio.timeout(self._max_staleness):
                    applied, complete = await self._read_all()
            except BaseException as exc:
                if not isinstance(exc, asyncio.CancelledError):
                    if not self._failing:
                        log.warning("revocation feed read failed; checking the database per request", exc_info=exc)
                    self._failing = True
                await self.source.reset()
                raise
            if self._failing:
                log.info("revocation feed readable again", extra={"last_id": self._cursor.last_id})
            self._failing = False
            if complete:
                # The view is current as of the moment the read began. A read that stopped at its batch limit
                # proves nothing of the kind: rows committed before it began may be among those it left.
                self._last_ok = started
                self._writes_applied = max(self._writes_applied, writes)
            await self._maybe_prune(started)
            return applied

    async def _read_all(self) -> tuple[int, bool]:
        """Rows applied, and whether nothing was left unread."""
        if not self._loaded:
            return await self._load_window(), True
        done = await self._cursor.catch_up(
            self.source.read, self._apply, self._db_now_ms(), batch=self.source.batch_size, max_batches=_MAX_BATCHES
        )
        if done.more:
            self.source.wake()  # bounded per call; the loop comes straight back for the rest
        return done.applied, not done.more

    async def _load_window(self) -> int:
        # The bounds (max id, the window's floor, the database's now) are read before the rows, so a row
        # committing in between is either read or below max(id) and so a gap (cursor.FeedCursor.start).
        bounds = await self.source.bounds(self.view.window.total_seconds())
        self._offset_ms = bounds.now_ms - self._wall_ms()
        applied = await self._cursor.start(
            bounds, self.source.read, self._apply, batch=self.source.batch_size, max_batches=_START_MAX_BATCHES
        )
        self._loaded = True
        log.info(
            "revocation feed loaded",
            extra={
                "rows": applied,
                "last_id": self._cursor.last_id,
                "gaps": self._cursor.gap_count,
                "postgres": self.source.is_postgres,
            },
        )
        return applied

    def _apply(self, rows: list[FeedRow]) -> None:
        for row in rows:
            self.view.apply(row)
            self._invalidate(row)
        self.rows_applied += len(rows)

    def _wall_ms(self) -> int:
        return int(self._wall().timestamp() * 1000)

    def _db_now_ms(self) -> int:
        """The database's clock, followed between reads of it by this process's clock plus the last offset."""
        return self._wall_ms() + self._offset_ms

    def _invalidate(self, row: FeedRow) -> None:
        if row.kind in (FeedKind.SESSION, FeedKind.SESSION_CHANGED):
            # A changed session is not revoked (the view ignores it), but the cached copy may say too much.
            if row.session_id:
                self.cache.forget_session(row.session_id)
        elif row.kind in (FeedKind.USER, FeedKind.PASSWORD):
            if row.user_id:
                self.cache.forget_user_sessions(row.user_id)
        elif row.kind == FeedKind.USER_CHANGED:
            if row.user_id:
                self.cache.forget_user(row.user_id)
        elif row.user_id:  # a kind added after this code was written: assume the worst about that user
            self.cache.forget_user_sessions(row.user_id)

    async def _maybe_prune(self, now: float) -> None:
        if now - self._last_prune < _PRUNE_EVERY_SECONDS:
            return
        self._last_prune = now
        # Re-measured now and then, so a step of this machine's clock cannot shift the window for long.
        try:
            self._offset_ms = await self.source.now_ms() - self._wall_ms()
        except Exception as exc:  # the read itself succeeded; keep the last offset
            log.debug("could not read the database's clock", extra={"error": repr(exc)})
        db_now = self._db_now_ms()
        self.view.prune(datetime.fromtimestamp(db_now / 1000, UTC))
        self.cache.prune()
        given_up = self._cursor.expire(db_now)
        if given_up:
            log.warning(
                "revocation feed ids never committed within the window; no longer waited for", extra={"ids": given_up}
            )

    async def _run(self) -> None:
        delay = self._interval
        while not self._stopping:
            await self.source.wait(delay)
            began = self._clock()
            try:
                await self.catch_up()
                # At a fixed rate: the next read begins one interval after this one began, so a read slowed by a
                # busy event loop does not push every later read back by its own duration; but never sooner than
                # a quarter interval after this one ended, so reads slower than the interval (an overloaded
                # database) are not sent back to back.
                delay = max(self._interval - (self._clock() - began), self._interval / 4)
            except asyncio.CancelledError:
                raise
            except Exception:  # logged by catch_up; retry with a short backoff (a dead database is not hammered)
                delay = min(max(delay, self._interval) * 2, _MAX_BACKOFF_SECONDS)


def _consume_result(task: asyncio.Task[int]) -> None:
    # Every waiter may have stopped waiting (timed out, cancelled); the failure is logged by catch_up already.
    if not task.cancelled():
        task.exception()
