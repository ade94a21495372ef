"""Timestamp handling shared with better-auth: exact text form on SQLite, aware datetimes everywhere."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from app.models import UtcDateTime, format_iso_ms, parse_timestamp, utcnow

SQLITE: Dialect = sqlite.dialect()
POSTGRES: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]


def test_format_iso_ms_matches_javascript_to_iso_string() -> None:
    value = datetime(2026, 11, 29, 10, 31, 22, 760_999, tzinfo=UTC)
    assert format_iso_ms(value) == "2026-11-29T10:31:22.760Z"


def test_format_iso_ms_converts_offsets_to_utc() -> None:
    value = datetime(2026, 1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_iso_ms(value) == "2025-12-31T23:00:00.000Z"


def test_format_iso_ms_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_iso_ms(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-29T10:31:22.760Z",
        "2026-11-29T10:31:22.760+00:00",
        "2026-11-29 10:31:22.760",
        1_795_948_282_760,
        datetime(2026, 11, 29, 10, 31, 22, 760_000),  # noqa: DTZ001 - naive values from a driver mean UTC
    ],
)
def test_parse_timestamp_reads_every_stored_form(raw: object) -> None:
    assert parse_timestamp(raw) == datetime(2026, 11, 29, 10, 31, 22, 760_000, tzinfo=UTC)


def test_utc_datetime_binds_text_on_sqlite_and_datetime_on_postgres() -> None:
    column_type = UtcDateTime()
    value = datetime(2026, 11, 29, 10, 31, 22, 760_000, tzinfo=UTC)
    assert column_type.process_bind_param(value, SQLITE) == "2026-11-29T10:31:22.760Z"
    assert column_type.process_bind_param(value, POSTGRES) == value
    assert column_type.process_bind_param(None, SQLITE) is None
    assert column_type.process_result_value(None, SQLITE) is None
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(datetime(2026, 1, 1), POSTGRES)  # noqa: DTZ001


def test_utcnow_is_aware_and_millisecond_precise() -> None:
    now = utcnow()
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
