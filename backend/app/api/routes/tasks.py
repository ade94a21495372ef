"""Tasks: owner-only CRUD, plus the user-scoped listing (self or admin)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from gatehouse_fastapi import CurrentPrincipal, VerifiedUser
from pydantic_core import to_json

from app.api.deps import SessionDep, require_admin
from app.api.json import JsonBytes
from app.errors import ApiError, ErrorCode, error_responses
from app.models import Task
from app.schemas.common import DEFAULT_LIMIT, Limit, Offset
from app.schemas.tasks import TaskCreate, TaskPublic, TaskReplace, TasksPublic, TaskUpdate
from app.services import tasks as task_service

router = APIRouter(prefix="/tasks", tags=["tasks"])
user_tasks_router = APIRouter(prefix="/users", tags=["tasks"])

TaskId = Annotated[uuid.UUID, Path(description="Task id (UUID).")]
UserId = Annotated[str, Path(min_length=1, max_length=128)]
Completed = Annotated[bool | None, Query(description="Only completed (true) or open (false) tasks.")]
_NOT_FOUND = error_responses(ErrorCode.TASK_NOT_FOUND)


async def _owned_task(db: SessionDep, user_id: str, task_id: uuid.UUID) -> Task:
    task = await task_service.get_task(db, user_id=user_id, task_id=str(task_id))
    if task is None:  # someone else's task looks exactly like a missing one
        raise ApiError(ErrorCode.TASK_NOT_FOUND, "Task not found.")
    return task


async def _page(request: Request, user_id: str, completed: bool | None, limit: int, offset: int) -> JsonBytes:
    # The hot read: rows straight from the driver (no ORM session) as the tasks' answers, serialised once.
    data, count = await task_service.list_tasks(
        request.app.state.db.reader, user_id=user_id, completed=completed, limit=limit, offset=offset
    )
    return JsonBytes(to_json({"data": data, "count": count}))


@router.get("", summary="List your tasks", response_model=TasksPublic)
async def list_tasks(
    request: Request, user: VerifiedUser, completed: Completed = None, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> JsonBytes:
    """The caller's tasks, newest first."""
    return await _page(request, user.id, completed, limit, offset)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a task")
async def create_task(user: VerifiedUser, db: SessionDep, body: TaskCreate) -> TaskPublic:
    """Create a task owned by the caller."""
    task = await task_service.create_task(db, user_id=user.id, fields=body.model_dump())
    return TaskPublic.model_validate(task)


@router.get("/{task_id}", summary="Get a task", responses=_NOT_FOUND)
async def read_task(user: VerifiedUser, db: SessionDep, task_id: TaskId) -> TaskPublic:
    """One of the caller's tasks."""
    return TaskPublic.model_validate(await _owned_task(db, user.id, task_id))


@router.put("/{task_id}", summary="Replace a task", responses=_NOT_FOUND)
async def replace_task(user: VerifiedUser, db: SessionDep, task_id: TaskId, body: TaskReplace) -> TaskPublic:
    """Replace every editable field of one of the caller's tasks."""
    task = await _owned_task(db, user.id, task_id)
    task = await task_service.update_task(db, task=task, changes=body.model_dump())
    return TaskPublic.model_validate(task)


@router.patch("/{task_id}", summary="Update a task", responses=_NOT_FOUND)
async def update_task(user: VerifiedUser, db: SessionDep, task_id: TaskId, body: TaskUpdate) -> TaskPublic:
    """Change only the given fields; `title` and `completed` cannot be set to null."""
    changes = body.model_dump(exclude_unset=True)
    for field in ("title", "completed"):
        if field in changes and changes[field] is None:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"{field}: must not be null")
    task = await _owned_task(db, user.id, task_id)
    task = await task_service.update_task(db, task=task, changes=changes)
    return TaskPublic.model_validate(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a task", responses=_NOT_FOUND)
async def delete_task(user: VerifiedUser, db: SessionDep, task_id: TaskId) -> Response:
    """Delete one of the caller's tasks."""
    await task_service.delete_task(db, task=await _owned_task(db, user.id, task_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@user_tasks_router.get(
    "/{user_id}/tasks",
    summary="List a user's tasks",
    responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.MFA_REQUIRED),
    response_model=TasksPublic,
)
async def list_user_tasks(
    request: Request,
    user: VerifiedUser,
    principal: CurrentPrincipal,
    user_id: UserId,
    completed: Completed = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> JsonBytes:
    """`user_id`'s tasks: only for that user themself, or an admin (seed T037: others get 403)."""
    if user_id != user.id:
        require_admin(request, principal, "You can only list your own tasks.")
    return await _page(request, user_id, completed, limit, offset)
