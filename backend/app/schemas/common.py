"""Shared schema pieces: strict input config, text limits from the contract, pagination page."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from annotated_types import GroupedMetadata
from fastapi import Query
from gatehouse_fastapi._contract import (
    PAGE_LIMIT_DEFAULT,
    PAGE_LIMIT_MAX,
    PAGE_OFFSET_MAX,
    AuditEventType,
    CharacterSets,
    TextLimit,
)
from gatehouse_fastapi._time import format_iso_ms
from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

# Inputs: unknown fields are errors, and "true"/1 are not booleans.
STRICT_INPUT = ConfigDict(extra="forbid", strict=True)

Timestamp = Annotated[
    datetime,
    PlainSerializer(format_iso_ms, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-29T10:31:22.760Z"]}),
]
"""A time in an answer, written as the auth server writes one (JavaScript's `Date.prototype.toISOString()`, i.e.
RFC 3339 in UTC with exactly three fraction digits: `2026-11-29T10:31:22.760Z`). Pydantic's own rendering drops the
fraction on a whole second and otherwise writes six digits, so the same instant would read differently from each
service and text order would not be time order."""


def forbidden_code_point(text: str, ranges: tuple[tuple[int, int], ...]) -> int | None:
    """The first code point of `text` in one of `ranges` (inclusive; contract/gatehouse.json `characterSets`), or
    None."""
    for char in text:
        cp = ord(char)
        if any(first <= cp <= last for first, last in ranges):
            return cp
    return None


def _refuse_forbidden(ranges: tuple[tuple[int, int], ...]) -> AfterValidator:
    """Refuses a string holding a forbidden code point (after trimming, as the auth server checks it)."""

    def check(value: str) -> str:
        cp = forbidden_code_point(value, ranges)
        if cp is not None:
            raise PydanticCustomError(
                "forbidden_character",
                "must not contain control, invisible or bidirectional formatting characters (found {found})",
                {"found": f"U+{cp:04X}"},
            )
        return value

    return AfterValidator(check)


def known_event_type(value: str | None) -> str | None:
    """`value` when it is one of the contract's audit event types (or None); a ValueError (400) otherwise."""
    if value is not None and value not in _EVENT_TYPES:
        raise ValueError("not an audit event type of contract/gatehouse.json auditEvents")
    return value


_EVENT_TYPES = frozenset(t.value for t in AuditEventType)


def refuse_control_characters() -> AfterValidator:
    """For free text that is not a stored field (search text): the contract's `controls` set, as for names."""
    return _refuse_forbidden(CharacterSets.CONTROLS)


@dataclass(frozen=True)
class _LimitedText(GroupedMetadata):
    """A contract text limit as pydantic metadata: the constraints, then (wrapping them) the character check."""

    limit: TextLimit

    def __iter__(self) -> Iterator[object]:
        limit = self.limit
        pattern = "^(?:" + "|".join(re.escape(p) for p in limit.prefixes) + ")" if limit.prefixes else None
        yield StringConstraints(
            strip_whitespace=limit.trim, min_length=limit.min_length, max_length=limit.max_length, pattern=pattern
        )
        if limit.forbidden:
            yield _refuse_forbidden(limit.forbidden)


def limited_text(limit: TextLimit) -> GroupedMetadata:
    """Metadata for `Annotated[str, ...]` applying a contract text limit (contract/gatehouse.json `fieldLimits`) as
    the auth server applies it: trimmed where the limit says so (pydantic trims Unicode White_Space, the contract's
    definition), length in code points (Python's `len`), required prefixes exactly as written, no forbidden
    characters (`characterSets`: controls, bidirectional formatting). With `STRICT_INPUT`, a non-string is refused,
    never coerced; lone surrogates never get here (app.core.text_guard refuses the body)."""
    return _LimitedText(limit)


# contract/gatehouse.json `pagination`: the auth server's admin list-users holds to the same bounds.
Limit = Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX, description=f"Page size (1-{PAGE_LIMIT_MAX}).")]
Offset = Annotated[int, Query(ge=0, le=PAGE_OFFSET_MAX, description="Items to skip.")]
DEFAULT_LIMIT = PAGE_LIMIT_DEFAULT
"""The page size when a list request gives no `limit` (contract/gatehouse.json `pagination`)."""


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list plus the total matching count."""

    data: list[T]
    count: int
