"""Timestamps as better-auth stores them: timestamptz on PostgreSQL, ISO-8601 text (or epoch ms) on SQLite."""

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, String, TypeDecorator


def utcnow() -> datetime:
    """Now, timezone-aware, truncated to the millisecond precision both services store."""
    now = datetime.now(UTC)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def format_iso_ms(value: datetime) -> str:
    """Render like JavaScript's `Date.prototype.toISOString()` (`2026-11-29T10:31:22.760Z`).

    Raises ValueError for a naive datetime (its zone would be a guess).
    """
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; use timezone-aware UTC values")
    # isoformat truncates to the millisecond (as `toISOString` keeps it) and pads the year to four digits.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


_ISO_MS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def as_iso_ms(raw: Any) -> str:
    """A stored time (anything `parse_timestamp` reads) in `format_iso_ms`'s form; text already in that form, as
    both services write it on SQLite, is returned as it is (no parse, no format: only the shape is checked, so an
    impossible date in that shape, which no writer produces, passes through). Raises as `parse_timestamp`.
    """
    if isinstance(raw, str) and _ISO_MS.fullmatch(raw):
        return raw
    return format_iso_ms(parse_timestamp(raw))


def parse_timestamp(raw: Any) -> datetime:
    """An aware UTC datetime from what better-auth may have stored: a datetime (PostgreSQL), ISO text with `Z`
    or an offset (better-auth's SQLite adapter writes `toISOString()`), or epoch milliseconds (a number).

    Raises ValueError (or TypeError) for anything else.
    """
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw / 1000, UTC)
    text_value = str(raw).strip().replace(" ", "T", 1)
    if text_value.endswith(("Z", "z")):
        text_value = text_value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text_value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """timestamptz on PostgreSQL; on SQLite the exact ISO-8601 text better-auth writes and compares.

    Binding through this type also makes comparisons like `created_at > :since` compare like with like on
    SQLite, where the column is text and ordering is lexicographic.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return format_iso_ms(value)
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use timezone-aware UTC values")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return parse_timestamp(value).astimezone(UTC)
