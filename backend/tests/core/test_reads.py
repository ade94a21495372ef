"""The hot-read path (`app.core.reads.Reader`): on SQLite it reads on the event loop's thread, but never waits
there for a lock or runs long there; what it cannot answer at once goes to aiosqlite's thread, as before."""

import sqlite3
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import reads
from app.core.reads import Reader
from tests.utils.factories import Actor, make_task

COUNT = "select count(*) from tasks where user_id = ?"


@pytest.fixture
def sqlite_only(db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("the loop-thread read is SQLite's")


def counting_pooled(reader: Reader, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every statement that went to the engine's pooled (threaded) path."""
    handed_over: list[str] = []
    pooled = reader._fetch_pooled

    async def spy(sql: str, params: Any) -> Any:
        handed_over.append(sql)
        return await pooled(sql, params)

    monkeypatch.setattr(reader, "_fetch_pooled", spy)
    return handed_over


@pytest.mark.usefixtures("sqlite_only")
async def test_read_runs_on_the_loop_thread_and_cannot_write(
    app: FastAPI, db: AsyncSession, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_task(db, alice.user)
    reader: Reader = app.state.db.reader
    handed_over = counting_pooled(reader, monkeypatch)
    assert await reader.fetch(COUNT, [alice.user.id]) == [(1,)]
    assert handed_over == []
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # query_only: a write is refused, not retried
        await reader.fetch("delete from tasks", [])
    assert await reader.fetch(COUNT, [alice.user.id]) == [(1,)]


@pytest.mark.usefixtures("sqlite_only")
async def test_read_over_its_loop_budget_finishes_on_a_worker_thread(
    app: FastAPI, db: AsyncSession, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        await make_task(db, alice.user)
    reader: Reader = app.state.db.reader
    handed_over = counting_pooled(reader, monkeypatch)
    monkeypatch.setattr(reads, "_PROGRESS_STEPS", 1)
    monkeypatch.setattr(reads, "LOOP_BUDGET_SECONDS", -1.0)  # every statement is over budget at its first step
    reader.close()  # reopened with the tighter progress handler
    # A recursive statement of many steps, as a user with very many rows would cost.
    slow = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000) select count(*) from n"
    assert await reader.fetch(slow, []) == [(100000,)]
    assert await reader.fetch(COUNT, [alice.user.id]) == [(3,)]
    assert handed_over == [slow, COUNT]


class _Busy:
    """Stands in for the loop's connection while another process holds a lock a WAL reader must wait for (a
    database not in WAL mode mid-commit, or one being recovered): SQLite answers SQLITE_BUSY at once, since the
    loop's connection has no busy timeout."""

    def execute(self, *_: object) -> None:
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise error


@pytest.mark.usefixtures("sqlite_only")
async def test_locked_database_is_read_off_the_loop(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_task(db, alice.user)
    reader: Reader = app.state.db.reader
    assert await reader.fetch("PRAGMA busy_timeout", []) == [(0,)]  # a lock is never waited for on the loop
    handed_over = counting_pooled(reader, monkeypatch)
    monkeypatch.setattr(reader, "_loop_connection", _Busy())
    response = await client.get("/api/v1/tasks", headers=alice.bearer())
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 1
    assert len(handed_over) == 1  # waited for with the engine's busy timeout, on aiosqlite's thread


@pytest.mark.usefixtures("sqlite_only")
async def test_invalid_utf8_is_read_through_the_engine_with_replacement_characters(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = await make_task(db, alice.user)
    with sqlite3.connect(app.state.db.engine.url.database) as other_writer:  # as the auth server binds a JS string
        other_writer.execute("UPDATE tasks SET title = CAST(? AS TEXT) WHERE id = ?", (b"caf\xc3", task.id))
    handed_over = counting_pooled(app.state.db.reader, monkeypatch)
    response = await client.get("/api/v1/tasks", headers=alice.bearer())
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["title"] == "caf\ufffd"
    assert len(handed_over) == 1
