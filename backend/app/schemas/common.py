"""Shared schema pieces: strict input config, pagination page."""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict

# Inputs: unknown fields are errors, and "true"/1 are not booleans.
STRICT_INPUT = ConfigDict(extra="forbid", strict=True)

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list plus the total matching count."""

    data: list[T]
    count: int
