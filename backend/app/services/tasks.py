"""Task persistence, always scoped to one owner."""

from collections.abc import Mapping
from typing import Any

from gatehouse_fastapi._time import as_iso_ms
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.reads import Reader
from app.models import Task, utcnow

# The list is the hot read (every page load), so it skips the ORM: one statement returns the page and the total
# (a scalar subquery), run by `app.core.reads.Reader` (SQLite: on the loop's thread, no hop; PostgreSQL: one round
# trip) instead of the ORM session's two queries of four hops each. Each row becomes the task as the single-task
# read answers it (`TaskPublic`'s JSON), built here from the driver's values rather than validated into a model and
# serialised again (a page of 20 cost ~100 µs that way, more than the statement): `completed` as a boolean
# (`bool()`, as SQLAlchemy's Boolean reads SQLite's 0/1), text as the driver returns it, and both timestamps
# already in the answer's written form (`app.schemas.common.Timestamp`): PostgreSQL renders them (`to_char`'s MS is
# the millisecond part, truncated, as `format_iso_ms` truncates); on SQLite the stored text is that form already
# (both services write `toISOString()`'s), checked per value (`as_iso_ms`: any other stored form is parsed and
# formatted, as the single-task read does). `tests/api/routes/test_tasks.py` holds the list to the model's JSON.
TASK_COLUMNS = ("id", "user_id", "title", "description", "completed", "created_at", "updated_at")
_PG_RENDERED = """to_char({column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _list_sql(dialect: str, *, by_completed: bool) -> tuple[str, str]:
    """(page statement, count statement) for `dialect`, parameters in the order user_id[, completed], limit, offset.

    Built from constants only; every value is a bound parameter (`?n` for SQLite, `$n` for asyncpg)."""
    marks = iter([f"?{i}" if dialect == "sqlite" else f"${i}" for i in range(1, 5)])  # numbered: `where` twice
    where = f"user_id = {next(marks)}" + (f" and completed = {next(marks)}" if by_completed else "")
    columns = ", ".join(
        _PG_RENDERED.format(column=column) if dialect == "postgresql" and column.endswith("_at") else column
        for column in TASK_COLUMNS
    )
    order = f" order by created_at desc, id limit {next(marks)} offset {next(marks)}"
    count = f"select count(*) from tasks where {where}"  # noqa: S608 (constants only)
    # The total as an uncorrelated scalar subquery, evaluated once (from the index alone), rather than a window
    # `count(*) over ()`, which made the database read and sort every matching row before the limit: with 100,000
    # tasks, SQLite's first page took 158 ms that way and 5.5 ms this way (bench/PROFILE.md).
    page = f"select {columns}, ({count}) from tasks where {where}{order}"  # noqa: S608 (constants only)
    return page, count


_SQL = {(d, c): _list_sql(d, by_completed=c) for d in ("sqlite", "postgresql") for c in (False, True)}


def _rendered(value: str | None) -> str:
    """A time as PostgreSQL rendered it (`_PG_RENDERED`), as it is: a year past 9999 keeps its five digits, as it
    always has in the list. `to_char` gives NULL for ±infinity, which no answer carries: ValueError (a 500, as
    before)."""
    if value is None:
        raise ValueError("a task time is ±infinity")
    return value


async def list_tasks(
    reader: Reader, *, user_id: str, completed: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of `user_id`'s tasks, newest first, each a dict of `TASK_COLUMNS` holding the values of the task's
    JSON answer (`TaskPublic`'s), and how many match in total."""
    page_sql, count_sql = _SQL[(reader.dialect, completed is not None)]
    where: list[Any] = [user_id] if completed is None else [user_id, completed]
    rows = await reader.fetch(page_sql, [*where, limit, offset])
    if rows:
        time = as_iso_ms if reader.dialect == "sqlite" else _rendered
        page = [
            {
                "id": row[0],
                "user_id": row[1],
                "title": row[2],
                "description": row[3],
                "completed": bool(row[4]),
                "created_at": time(row[5]),
                "updated_at": time(row[6]),
            }
            for row in rows
        ]
        return page, int(rows[0][len(TASK_COLUMNS)])
    # Past the last page (or no tasks): the total came with no row, so ask for it alone.
    total = (await reader.fetch(count_sql, where))[0][0] if offset else 0
    return [], int(total)


async def create_task(db: AsyncSession, *, user_id: str, fields: Mapping[str, Any]) -> Task:
    """Insert a task owned by `user_id`."""
    now = utcnow()
    task = Task(user_id=user_id, created_at=now, updated_at=now, **fields)
    db.add(task)
    await db.commit()
    return task


async def get_task(db: AsyncSession, *, user_id: str, task_id: str) -> Task | None:
    """`task_id` if it belongs to `user_id` (someone else's task is indistinguishable from none)."""
    return await db.scalar(select(Task).where(Task.id == task_id, Task.user_id == user_id))


async def update_task(db: AsyncSession, *, task: Task, changes: Mapping[str, Any]) -> Task:
    """Apply `changes` and bump `updated_at`."""
    for field, value in changes.items():
        setattr(task, field, value)
    task.updated_at = utcnow()
    await db.commit()
    return task


async def delete_task(db: AsyncSession, *, task: Task) -> None:
    """Remove the task."""
    await db.delete(task)
    await db.commit()
