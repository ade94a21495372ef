"""The shared feed-cursor vectors (contract/feed-cursor-vectors.json), also run by the auth server's suite
(auth-server/src/storage/feed-cursor.test.ts): both cursors must give the same answers for the same history."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from gatehouse_fastapi._revocation.cursor import (
    FeedBounds,
    FeedCursor,
    FeedQuery,
    InvalidFeedPositionError,
    window_floor,
)
from gatehouse_test_support.processes import REPO_ROOT

VECTORS_PATH = REPO_ROOT / "contract" / "feed-cursor-vectors.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text())["cases"]


@dataclass(frozen=True)
class Row:
    id: int


class Table:
    """The simulated auth_revocations table: ids are pending until committed, gone once rolled back."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[int, str]] = {}

    def insert(self, row_id: int, at: int) -> None:
        assert row_id not in self._rows, f"id {row_id} taken twice"
        self._rows[row_id] = (at, "pending")

    def settle(self, ids: list[int], state: str) -> None:
        for row_id in ids:
            at, current = self._rows[row_id]
            assert current == "pending", f"id {row_id} is not pending"
            self._rows[row_id] = (at, state)

    def _committed(self) -> list[tuple[int, int]]:
        return sorted((row_id, at) for row_id, (at, state) in self._rows.items() if state == "committed")

    def bounds(self, now_ms: int, window_ms: int) -> FeedBounds:
        rows = self._committed()
        since = now_ms - window_ms
        older = [row_id for row_id, at in rows if at <= since]
        recent = [row_id for row_id, at in rows if at > since]
        return FeedBounds(
            newest=rows[-1][0] if rows else 0,
            older_max=max(older) if older else None,
            recent_min=min(recent) if recent else None,
            now_ms=now_ms,
        )

    async def read(self, query: FeedQuery, limit: int) -> list[Row]:
        ids = [row_id for row_id, _ in self._committed() if row_id > query.after_id or row_id in query.gaps]
        return [Row(row_id) for row_id in ids[:limit]]


def test_vectors_have_cases() -> None:
    assert len(CASES) > 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_vector(case: dict[str, Any]) -> None:
    options = case["options"]
    table = Table()

    def new_cursor() -> FeedCursor:
        return FeedCursor(max_gaps=options["maxGaps"], gap_ttl_ms=options["gapTtlMs"])

    cursor = new_cursor()
    for n, step in enumerate(case["steps"]):
        where = f"step {n} ({step['op']})"
        applied: list[int] = []

        def apply(rows: list[Row], step: dict[str, Any] = step, applied: list[int] = applied) -> None:
            if step.get("applyFails"):
                raise RuntimeError("apply failed")
            applied.extend(row.id for row in rows)

        result: dict[str, Any] = {}
        error = False
        try:
            op = step["op"]
            if op == "insert":
                table.insert(step["id"], step["at"])
            elif op == "commit":
                table.settle(step["ids"], "committed")
            elif op == "rollback":
                table.settle(step["ids"], "rolled back")
            elif op == "start":
                await cursor.start(
                    table.bounds(step["now"], step["windowMs"]),
                    table.read,
                    apply,
                    batch=options["batch"],
                    max_batches=step.get("startMaxBatches", 1000),
                )
            elif op == "poll":
                done = await cursor.catch_up(
                    table.read, apply, step["now"], batch=options["batch"], max_batches=options["maxBatches"]
                )
                result["more"] = done.more
            elif op == "expire":
                result["expired"] = cursor.expire(step["now"])
            elif op == "restart":
                saved = json.dumps(cursor.snapshot())
                if "snapshot" in step:
                    assert json.loads(saved) == step["snapshot"], where
                cursor = new_cursor()
                cursor.restore(json.loads(saved))
            elif op == "restore":
                cursor = new_cursor()
                cursor.restore(step["position"])
            else:
                raise AssertionError(f"unknown op {op}")
        except InvalidFeedPositionError:
            if not step.get("error") or step["op"] != "restore":
                raise
            error = True
        except RuntimeError:  # the vector's failing apply
            if not step.get("error") or not step.get("applyFails"):
                raise
            error = True
        assert error == bool(step.get("error")), f"{where}: error"
        if "applied" in step:
            assert applied == step["applied"], f"{where}: applied"
        if "more" in step:
            assert result["more"] == step["more"], f"{where}: more"
        if "expired" in step:
            assert result["expired"] == step["expired"], f"{where}: expired"
        if "lastId" in step:
            assert cursor.last_id == step["lastId"], f"{where}: lastId"
        if "gaps" in step:
            assert cursor.query().gaps == step["gaps"], f"{where}: gaps"
        if "snapshot" in step and step["op"] != "restart":
            assert cursor.snapshot() == step["snapshot"], f"{where}: snapshot"


def test_window_floor_starts_below_the_window_never_above_an_older_row() -> None:
    assert window_floor(older_max=None, recent_min=None) == 0
    assert window_floor(older_max=4, recent_min=None) == 4
    assert window_floor(older_max=None, recent_min=7) == 0
    assert window_floor(older_max=4, recent_min=6) == 4
    assert window_floor(older_max=9, recent_min=6) == 5


def test_a_jump_of_a_billion_ids_costs_at_most_max_gaps_steps() -> None:
    cursor = FeedCursor(max_gaps=1000, gap_ttl_ms=1)
    cursor.accept(1_000_000_000, 0)
    assert cursor.gap_count == 1000
    assert cursor.query().gaps[0] == 1_000_000_000 - 1000
