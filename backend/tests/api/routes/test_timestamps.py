"""Every time in an answer has one written form, the auth server's: `Date.prototype.toISOString()`.

`YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly three fraction digits, UTC. Pydantic's default rendering wrote a whole second
without a fraction (`…:09Z`) and any other instant with six digits (`…:09.183000Z`): the same instant read
differently from each service, and text order stopped being time order (a list sorted newest first by time looked
unsorted to a client comparing strings).
"""

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthEvent, Task, UserSession
from tests.utils.factories import Actor, make_user, random_id

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
WHOLE_SECOND = datetime(2026, 11, 30, 13, 24, 9, tzinfo=UTC)
JUST_AFTER = WHOLE_SECOND + timedelta(milliseconds=31)


def times_in(value: object) -> list[str]:
    """Every string value under a key ending in `_at` or `_expires`, anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key.endswith("_at") or key.endswith("_expires")):
                found.append(item)
            else:
                found.extend(times_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(times_in(item))
    return found


def assert_one_form(document: object) -> None:
    times = times_in(document)
    assert times, "the answer carries no time to check"
    assert [t for t in times if not ISO_MS.fullmatch(t)] == []


async def test_task_times_read_alike_from_the_list_and_the_task(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    # The list renders times in SQL, a single task through the model: both in the one form, whole seconds too.
    for title, at in (("whole", WHOLE_SECOND), ("after", JUST_AFTER)):
        db.add(Task(user_id=alice.user.id, title=title, completed=False, created_at=at, updated_at=at))
    await db.commit()
    listed = (await client.get("/api/v1/tasks", headers=alice.bearer())).json()["data"]
    assert [(t["title"], t["created_at"]) for t in listed] == [
        ("after", "2026-11-30T13:24:09.031Z"),
        ("whole", "2026-11-30T13:24:09.000Z"),
    ]
    for task in listed:
        read = (await client.get(f"/api/v1/tasks/{task['id']}", headers=alice.bearer())).json()
        assert read == task
    assert_one_form(listed)
    # Text order is time order in this form.
    assert [t["created_at"] for t in listed] == sorted((t["created_at"] for t in listed), reverse=True)


async def test_user_session_and_event_times_have_the_one_form(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor
) -> None:
    user = await make_user(db, created_at=WHOLE_SECOND, banned=True, ban_expires=WHOLE_SECOND + timedelta(days=1))
    db.add(
        UserSession(
            id=random_id(),
            token=random_id(),
            user_id=user.id,
            created_at=WHOLE_SECOND,
            updated_at=WHOLE_SECOND,
            expires_at=WHOLE_SECOND + timedelta(days=7),
        )
    )
    db.add(AuthEvent(type="user_banned", user_id=user.id, success=True, created_at=WHOLE_SECOND))
    await db.commit()

    profile = (await client.get(f"/api/v1/users/{user.id}", headers=admin.bearer())).json()
    assert (profile["created_at"], profile["ban_expires"]) == ("2026-11-30T13:24:09.000Z", "2026-12-01T13:24:09.000Z")
    for path in (f"/api/v1/users/{user.id}/sessions", "/api/v1/users", "/api/v1/auth/session"):
        answer = await client.get(path, headers=admin.bearer())
        assert answer.status_code == 200, answer.text
        assert_one_form(answer.json())
    events = (await client.get("/api/v1/admin/events", params={"user_id": user.id}, headers=admin.bearer())).json()
    assert [e["created_at"] for e in events["data"]] == ["2026-11-30T13:24:09.000Z"]

    exported = await client.get("/api/v1/admin/events.csv", params={"user_id": user.id}, headers=admin.bearer())
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row[next(iter(row))] for row in rows] == ["2026-11-30T13:24:09.000Z"]


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("2026-11-30T13:24:09.031Z", "2026-11-30T13:24:09.031Z"),
        ("2026-11-30T13:24:09.9996Z", "2026-11-30T13:24:09.999Z"),  # truncated, as toISOString keeps ms
        ("2026-11-30T14:24:09.031+01:00", "2026-11-30T13:24:09.031Z"),
        ("2026-11-30 13:24:09", "2026-11-30T13:24:09.000Z"),
    ],
)
async def test_any_stored_form_reads_alike_from_the_list_and_the_task(
    client: httpx.AsyncClient, db: AsyncSession, db_kind: str, alice: Actor, stored: object, written: str
) -> None:
    # SQLite keeps whatever text (or number) a writer stored; the list passes the one form through and converts
    # the rest exactly as the single-task read does.
    if db_kind != "sqlite":
        pytest.skip("PostgreSQL stores a timestamptz, not a written form")
    task_id = str(uuid.uuid4())
    await db.execute(
        text(
            "insert into tasks (id, user_id, title, completed, created_at, updated_at)"
            " values (:id, :user_id, 't', 0, :at, :at)"
        ),
        {"id": task_id, "user_id": alice.user.id, "at": stored},
    )
    await db.commit()
    listed = (await client.get("/api/v1/tasks", headers=alice.bearer())).json()["data"]
    read = (await client.get(f"/api/v1/tasks/{task_id}", headers=alice.bearer())).json()
    assert listed == [read]
    assert (read["created_at"], read["updated_at"]) == (written, written)


async def test_a_postgresql_time_past_year_9999_lists_as_the_database_renders_it(
    client: httpx.AsyncClient, db: AsyncSession, db_kind: str, alice: Actor
) -> None:
    # The list passes PostgreSQL's rendering through (no shape check there): a five-digit year is listed as
    # rendered, as it always was, rather than failing the whole page.
    if db_kind != "postgres":
        pytest.skip("SQLite stores text; its forms are covered above")
    await db.execute(
        text(
            "insert into tasks (id, user_id, title, completed, created_at, updated_at)"
            " values (:id, :user_id, 't', false, :at, :at)"
        ),
        {"id": str(uuid.uuid4()), "user_id": alice.user.id, "at": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)},
    )
    await db.execute(
        text("update tasks set created_at = created_at + interval '1 day' where user_id = :u"), {"u": alice.user.id}
    )
    await db.commit()
    listed = (await client.get("/api/v1/tasks", headers=alice.bearer())).json()["data"]
    assert [(t["created_at"], t["updated_at"]) for t in listed] == [
        ("10000-01-01T23:59:00.000Z", "9999-12-31T23:59:00.000Z")
    ]
