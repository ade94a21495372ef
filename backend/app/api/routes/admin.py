"""Administration: the audit log the auth server writes, read and exported."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from gatehouse_fastapi import AdminUser
from gatehouse_fastapi._time import format_iso_ms
from pydantic import AfterValidator, AwareDatetime
from starlette.responses import StreamingResponse

from app.api.deps import DatabaseDep, SessionDep
from app.core.db import Database
from app.models import AuthEvent
from app.schemas.common import DEFAULT_LIMIT, Limit, Offset, known_event_type, refuse_control_characters
from app.schemas.events import AuthEventPublic, AuthEventsPublic
from app.services import events as event_service

router = APIRouter(prefix="/admin", tags=["admin"])

UserIdFilter = Annotated[str | None, Query(min_length=1, max_length=128, description="Only events about this user.")]
TypeFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="Only events of this type."),
    # A type the contract does not know is a mistake (400), not a filter that quietly matches nothing.
    AfterValidator(known_event_type),
]
PeopleFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Part of an email address or name: events about, or by, the people it matches, and events "
        "whose details name it (a deleted user, the address a failed sign-in tried, an email change).",
    ),
    # A NUL cut the search short on SQLite and matched nearly every event: search text keeps the fields' rules.
    refuse_control_characters(),
]
# A time without a zone would be a guess (and the stored times are UTC): refused with 400, never read as local time.
SinceFilter = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Events at or after this time (ISO 8601 with `Z` or an offset)."),
]
UntilFilter = Annotated[
    AwareDatetime | None, Query(alias="to", description="Events before this time (ISO 8601 with `Z` or an offset).")
]
SuccessFilter = Annotated[bool | None, Query(description="Only successes (true) or only failures (false).")]

CSV_COLUMNS = (
    "time",
    "type",
    "success",
    "user_id",
    "user_email",
    "actor_id",
    "actor_email",
    "reason",
    "ip",
    "user_agent",
    "session_id",
    "details",
)


def _filters(
    user_id: str | None,
    type: str | None,
    q: str | None,
    since: datetime | None,
    until: datetime | None,
    success: bool | None,
) -> event_service.EventFilter:
    return event_service.EventFilter(
        user_id=user_id, type=type, q=q.strip() if q else None, since=since, until=until, success=success
    )


@router.get("/events", summary="List auth events")
async def list_events(
    _admin: AdminUser,
    db: SessionDep,
    user_id: UserIdFilter = None,
    type: TypeFilter = None,
    q: PeopleFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    success: SuccessFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> AuthEventsPublic:
    """The audit log, newest first: sign-ups, verifications, sign-ins (also failed), sign-outs, password
    resets, session revocations, role changes, bans, impersonation and OAuth links. Filter by `user_id`,
    `type`, `q` (email or name of the user or the acting admin), a time range (`from`, `to`) and `success`;
    page with `limit` and `offset`. Admins only."""
    filters = _filters(user_id, type, q, since, until, success)
    rows, count = await event_service.list_events(db, filters=filters, limit=limit, offset=offset)
    return AuthEventsPublic(data=[AuthEventPublic.model_validate(row) for row in rows], count=count)


async def _export_batch(
    database: Database, filters: event_service.EventFilter, *, after: AuthEvent | None
) -> tuple[list[AuthEvent], dict[str, str]]:
    """The export's next batch and its people's emails, on a session held only for these two reads: a client that
    reads the CSV slowly must not keep one of the worker's pooled connections (the pool has no overflow)."""
    async with database.sessionmaker() as session:
        batch = await event_service.event_batch(session, filters=filters, after=after)
        return batch, await event_service.emails_by_id(session, _people(batch))


def _people(rows: list[AuthEvent]) -> set[str]:
    """The users these events are about or by."""
    return {i for row in rows for i in (row.user_id, row.actor_id) if i is not None}


def _csv_row(row: AuthEvent, emails: dict[str, str]) -> tuple[object, ...]:
    """One event in `CSV_COLUMNS` order, the people's current email addresses beside their ids."""
    return (
        format_iso_ms(row.created_at),
        row.type,
        "true" if row.success else "false",
        row.user_id,
        emails.get(row.user_id or ""),
        row.actor_id,
        emails.get(row.actor_id or ""),
        row.reason,
        row.ip,
        row.user_agent,
        row.session_id,
        row.details,
    )


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get(
    "/events.csv",
    summary="Export auth events as CSV",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "Every matching event, newest first.",
        }
    },
)
async def export_events(
    database: DatabaseDep,
    _admin: AdminUser,
    user_id: UserIdFilter = None,
    type: TypeFilter = None,
    q: PeopleFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    success: SuccessFilter = None,
) -> StreamingResponse:
    """The same filters as the list, every matching row, with the people's current email addresses. Cells that
    start like a formula are prefixed with `'`. Admins only."""
    filters = _filters(user_id, type, q, since, until, success)
    # The first batch is read before the answer starts, so a database outage is still a 503, not a cut-off 200.
    batch, emails = await _export_batch(database, filters, after=None)

    async def lines() -> AsyncIterator[str]:
        # One batch in memory at a time (the whole log used to be read first, and its people looked up in one
        # IN list: past 32,767 distinct people that was more bound parameters than asyncpg sends, a 500).
        nonlocal batch, emails
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        while True:
            for row in batch:
                writer.writerow(_cell(v) for v in _csv_row(row, emails))
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if len(batch) < event_service.EXPORT_BATCH:
                return
            batch, emails = await _export_batch(database, filters, after=batch[-1])

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="gatehouse-audit-log.csv"'},
    )
