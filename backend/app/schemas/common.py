"""Shared schema pieces: strict input config, text limits from the contract, pagination page."""

import re
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from gatehouse_fastapi._contract import TextLimit
from pydantic import BaseModel, ConfigDict, StringConstraints

# Inputs: unknown fields are errors, and "true"/1 are not booleans.
STRICT_INPUT = ConfigDict(extra="forbid", strict=True)


def limited_text(limit: TextLimit) -> StringConstraints:
    """`StringConstraints` for a contract text limit (contract/gatehouse.json `fieldLimits`), as the auth server
    applies it: trimmed first where the limit says so, length in code points (Python's `len`), required prefixes
    exactly as written. With `STRICT_INPUT`, a non-string is refused, never coerced; lone surrogates never get here
    (app.core.text_guard refuses the body)."""
    pattern = "^(?:" + "|".join(re.escape(p) for p in limit.prefixes) + ")" if limit.prefixes else None
    return StringConstraints(
        strip_whitespace=limit.trim, min_length=limit.min_length, max_length=limit.max_length, pattern=pattern
    )


Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list plus the total matching count."""

    data: list[T]
    count: int
