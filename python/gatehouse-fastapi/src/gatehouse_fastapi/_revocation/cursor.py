"""The revocation feed's cursor: where a reader is in ``auth_revocations``.

Written once per language (this module, and the auth server's ``auth-server/src/storage/feed-cursor.ts``) and proved
equal by the shared vectors in ``contract/feed-cursor-vectors.json``, which both test suites run.

Why a cursor is more than "the last id": on PostgreSQL an id is taken from the sequence when the row is
inserted but becomes visible when its transaction commits, so id 41 can appear after 42 has been read (a
revocation in a transaction that stayed open), and an id whose transaction rolled back never appears. Every
id skipped is therefore kept as a gap and asked for again on every read until it shows up or is older than
``gap_ttl_ms``. SQLite commits in id order; there the gaps are ids that were rolled back.

Times are integer milliseconds on the DATABASE's clock (readers measure its offset from their own), so a
position saved by one process means the same thing to the next.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, TypeVar


class FeedPosition(TypedDict):
    """A cursor's whole state as saved between runs (JSON; the same shape as the TypeScript cursor's)."""

    lastId: int
    gaps: list[list[int]]
    """``[id, since_ms]`` pairs, ascending by id."""


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """What one read asks the database for: ids above ``after_id``, plus the listed gaps."""

    after_id: int
    gaps: list[int]


@dataclass(frozen=True, slots=True)
class FeedBounds:
    """One look at the table on the database's clock, for a start without a saved position.

    ``newest`` = max(id) (0 when empty); ``older_max`` = max(id) of rows older than the window;
    ``recent_min`` = min(id) of rows inside it (None when there are none); ``now_ms`` = the database's now.
    """

    newest: int
    older_max: int | None
    recent_min: int | None
    now_ms: int


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What one ``catch_up`` did: new rows applied, and whether more remain for the next call."""

    applied: int
    more: bool


class HasId(Protocol):
    """A feed row, as far as the cursor cares."""

    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)
ReadBatch = Callable[[FeedQuery, int], Awaitable[Sequence[R]]]
"""Reads one batch: rows with id > after_id or id in gaps, in id order, at most ``limit``."""
ApplyRows = Callable[[list[R]], Awaitable[None] | None]
"""Applies rows not seen before; the cursor moves past them only once this has returned."""

MAX_GAPS = 1000
"""Most gaps kept by default; beyond it the lowest ids go first (the newest are likeliest to commit late)."""
GAP_TTL_MS = 960_000
"""Default life of a gap: a 16-minute window covers a 15-minute JWT plus leeway."""


class InvalidFeedPositionError(ValueError):
    """A saved position that is not one (the caller starts afresh)."""


def window_floor(*, older_max: int | None, recent_min: int | None) -> int:
    """Where to start from a window.

    Below the oldest row inside the window (a pending transaction may hold any id up to ``newest``), but
    never above a row older than it: rows older than the window are settled. A table that was never pruned
    starts at 0 (pruning always keeps its newest old row).
    """
    older = older_max or 0
    return older if recent_min is None else max(0, min(older, recent_min - 1))


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1


class FeedCursor:
    """The highest id read, plus the lower ids not read yet (gaps) and when each was first skipped."""

    def __init__(self, *, max_gaps: int = MAX_GAPS, gap_ttl_ms: int = GAP_TTL_MS) -> None:
        self.max_gaps = max_gaps
        self.gap_ttl_ms = gap_ttl_ms
        self.last_id = 0
        self.overflowed = 0
        """Gaps dropped for the budget (not expired): a count for diagnostics."""
        self._gaps: dict[int, int] = {}

    def reset(self, floor: int) -> None:
        """Everything up to and including ``floor`` counts as read; no gaps."""
        self.last_id = max(0, floor)
        self._gaps.clear()

    def is_new(self, row_id: int) -> bool:
        """Whether row ``row_id`` has not been read yet (above ``last_id``, or one of the gaps)."""
        return row_id > self.last_id or row_id in self._gaps

    def accept(self, row_id: int, now_ms: int) -> None:
        """Record row ``row_id`` as read and applied; ids skipped on the way up become gaps."""
        if row_id > self.last_id:
            self.advance(row_id - 1, now_ms)
        self._gaps.pop(row_id, None)
        self.last_id = max(self.last_id, row_id)

    def advance(self, newest: int, now_ms: int) -> None:
        """Move to ``newest`` (known to exist) without reading: every id passed over becomes a gap."""
        if newest <= self.last_id:
            return
        # A jump larger than the budget keeps only the newest ids, so the loop is bounded by max_gaps.
        for missing in range(max(self.last_id + 1, newest - self.max_gaps + 1), newest + 1):
            self._gaps.setdefault(missing, now_ms)
        self.last_id = newest
        self._trim()

    def expire(self, now_ms: int) -> list[int]:
        """Give up gaps first skipped more than ``gap_ttl_ms`` before ``now_ms``; returns them, ascending."""
        gone = sorted(gap for gap, since in self._gaps.items() if now_ms - since > self.gap_ttl_ms)
        for gap in gone:
            del self._gaps[gap]
        return gone

    def query(self) -> FeedQuery:
        """The next read's condition."""
        return FeedQuery(after_id=self.last_id, gaps=sorted(self._gaps))

    @property
    def gap_count(self) -> int:
        """Number of ids being waited for."""
        return len(self._gaps)

    def snapshot(self) -> FeedPosition:
        """The state to save (gaps ascending by id)."""
        return {"lastId": self.last_id, "gaps": [[gap, self._gaps[gap]] for gap in sorted(self._gaps)]}

    def restore(self, value: object) -> None:
        """Take over a saved position. Raises ``InvalidFeedPositionError`` when ``value`` is not a well-formed one."""
        if not isinstance(value, dict) or not _is_id(value.get("lastId")) or not isinstance(value.get("gaps"), list):
            raise InvalidFeedPositionError("not a feed position")
        last_id: int = value["lastId"]
        gaps: dict[int, int] = {}
        for gap in value["gaps"]:
            if (
                not isinstance(gap, list)
                or len(gap) != 2
                or not _is_id(gap[0])
                or not _is_number(gap[1])
                or gap[0] >= last_id
            ):
                raise InvalidFeedPositionError("malformed gap in feed position")
            gaps[gap[0]] = gap[1]
        self.last_id = last_id
        self._gaps = dict(sorted(gaps.items()))
        self._trim()

    async def catch_up(
        self, read: ReadBatch[R], apply: ApplyRows[R], now_ms: int, *, batch: int, max_batches: int
    ) -> CatchUp:
        """Read and apply batches until a short one (caught up) or ``max_batches`` (the rest waits for the next
        call, so one call stays bounded). If ``apply`` raises, the cursor stays before that batch and the next
        call reads it again.
        """
        applied = 0
        for _ in range(max_batches):
            rows = await read(self.query(), batch)
            fresh = [row for row in rows if self.is_new(row.id)]
            if fresh:
                result = apply(fresh)
                if result is not None:
                    await result
            for row in rows:
                self.accept(row.id, now_ms)
            applied += len(fresh)
            if len(rows) < batch:
                return CatchUp(applied=applied, more=False)
        return CatchUp(applied=applied, more=True)

    async def start(
        self, bounds: FeedBounds, read: ReadBatch[R], apply: ApplyRows[R], *, batch: int, max_batches: int
    ) -> int:
        """Start without a saved position: from the window's floor, read everything above it, then mark every id
        up to ``newest`` not seen as a gap (a transaction still open when the bounds were read). ``bounds`` must
        be read before the rows, so a row committing in between is read or is a gap.
        """
        self.reset(window_floor(older_max=bounds.older_max, recent_min=bounds.recent_min))
        result = await self.catch_up(read, apply, bounds.now_ms, batch=batch, max_batches=max_batches)
        self.advance(bounds.newest, bounds.now_ms)
        return result.applied

    def _trim(self) -> None:
        if len(self._gaps) <= self.max_gaps:
            return
        for gap in sorted(self._gaps)[: len(self._gaps) - self.max_gaps]:
            del self._gaps[gap]
            self.overflowed += 1


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) != float("inf")
    )
