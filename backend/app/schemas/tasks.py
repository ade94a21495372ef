"""Task schemas: TaskBase → TaskCreate / TaskReplace / TaskUpdate → TaskPublic / TasksPublic."""

from typing import Annotated

from gatehouse_fastapi._contract import FieldLimits
from pydantic import BaseModel, ConfigDict

from app.schemas.common import STRICT_INPUT, Page, Timestamp, limited_text

Title = Annotated[str, limited_text(FieldLimits.TASK_TITLE)]
Description = Annotated[str, limited_text(FieldLimits.TASK_DESCRIPTION)]


class TaskBase(BaseModel):
    """Fields a client may set."""

    model_config = STRICT_INPUT

    title: Title
    description: Description | None = None
    completed: bool = False


class TaskCreate(TaskBase):
    """POST /tasks body."""


class TaskReplace(TaskBase):
    """PUT /tasks/{id} body: the whole task (omitted fields take their defaults)."""


class TaskUpdate(BaseModel):
    """PATCH /tasks/{id} body: only the fields given change."""

    model_config = STRICT_INPUT

    title: Title | None = None
    description: Description | None = None
    completed: bool | None = None


class TaskPublic(BaseModel):
    """A task as returned to its owner."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    title: str
    description: str | None
    completed: bool
    created_at: Timestamp
    updated_at: Timestamp


TasksPublic = Page[TaskPublic]
