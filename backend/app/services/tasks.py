"""Task persistence, always scoped to one owner."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Task, utcnow


async def list_tasks(
    db: AsyncSession, *, user_id: str, completed: bool | None, limit: int, offset: int
) -> tuple[Sequence[Task], int]:
    """One page of `user_id`'s tasks, newest first, and how many match in total."""
    conditions = [Task.user_id == user_id]
    if completed is not None:
        conditions.append(Task.completed == completed)
    count = await db.scalar(select(func.count()).select_from(Task).where(*conditions))
    rows = await db.scalars(
        select(Task).where(*conditions).order_by(Task.created_at.desc(), Task.id).limit(limit).offset(offset)
    )
    return rows.all(), int(count or 0)


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
