"""GET /api/v1/admin/events: the audit log both services write, for admins only."""

import csv
import io
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from gatehouse_test_support.jwks import JwksServer
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthEvent, utcnow
from app.services.events import EXPORT_BATCH
from tests.utils.factories import Actor

EVENTS = "/api/v1/admin/events"


async def add_events(db: AsyncSession, *rows: tuple[str, str | None, int]) -> None:
    """(type, user_id, minutes ago) rows, inserted the way the auth server writes them."""
    now = utcnow()
    for type_, user_id, minutes_ago in rows:
        db.add(
            AuthEvent(
                type=type_,
                user_id=user_id,
                ip="203.0.113.9",
                user_agent="browser/1.0",
                success=type_ != "sign_in_failed",
                reason="INVALID_EMAIL_OR_PASSWORD" if type_ == "sign_in_failed" else None,
                created_at=now - timedelta(minutes=minutes_ago),
            )
        )
    await db.commit()


async def test_events_require_credentials_and_admin(client: httpx.AsyncClient, alice: Actor) -> None:
    anonymous = await client.get(EVENTS)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHORIZED")
    user = await client.get(EVENTS, headers=alice.bearer())
    assert (user.status_code, user.json()["code"]) == (403, "FORBIDDEN")


async def test_events_newest_first_with_filters(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor, bob: Actor
) -> None:
    await add_events(
        db,
        ("sign_up", alice.user.id, 30),
        ("sign_in", alice.user.id, 20),
        ("sign_in_failed", None, 15),
        ("sign_in", bob.user.id, 10),
        ("sign_out", alice.user.id, 5),
    )
    everything = (await client.get(EVENTS, headers=admin.bearer())).json()
    assert everything["count"] == 5
    assert [e["type"] for e in everything["data"]] == ["sign_out", "sign_in", "sign_in_failed", "sign_in", "sign_up"]
    failed = everything["data"][2]
    assert (failed["user_id"], failed["success"], failed["reason"]) == (None, False, "INVALID_EMAIL_OR_PASSWORD")

    alices = (await client.get(EVENTS, params={"user_id": alice.user.id}, headers=admin.bearer())).json()
    assert [e["type"] for e in alices["data"]] == ["sign_out", "sign_in", "sign_up"]
    sign_ins = (await client.get(EVENTS, params={"type": "sign_in"}, headers=admin.bearer())).json()
    assert [e["user_id"] for e in sign_ins["data"]] == [bob.user.id, alice.user.id]
    both = await client.get(EVENTS, params={"type": "sign_in", "user_id": bob.user.id}, headers=admin.bearer())
    assert both.json()["count"] == 1


async def test_events_paginate_with_total_count(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor
) -> None:
    await add_events(db, *[("sign_in", alice.user.id, minutes) for minutes in range(7)])
    pages = [
        (await client.get(EVENTS, params={"limit": 3, "offset": offset}, headers=admin.bearer())).json()
        for offset in (0, 3, 6)
    ]
    assert [page["count"] for page in pages] == [7, 7, 7]
    assert [len(page["data"]) for page in pages] == [3, 3, 1]
    times = [event["created_at"] for page in pages for event in page["data"]]
    assert times == sorted(times, reverse=True)
    assert len({event["id"] for page in pages for event in page["data"]}) == 7


@pytest.mark.auth_server
async def test_changes_made_through_the_backend_are_listed(client: httpx.AsyncClient, admin: Actor, bob: Actor) -> None:
    """The auth server records them (one writer), naming the admin who acted through the backend."""
    await client.put(f"/api/v1/users/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer())
    [event] = (await client.get(EVENTS, params={"user_id": bob.user.id}, headers=admin.bearer())).json()["data"]
    assert (event["type"], event["actor_id"], event["reason"]) == ("role_changed", admin.user.id, "role=admin")


async def test_events_filters_are_validated(client: httpx.AsyncClient, admin: Actor) -> None:
    refused: list[dict[str, str | int]] = [
        {"type": "DROP TABLE"},
        {"type": "nope"},  # well-formed but not a contract event type
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"user_id": ""},
        {"q": "\u0000"},  # a NUL cut the search short on SQLite and matched nearly everything
        {"q": "ann\u202e"},
    ]
    for params in refused:
        response = await client.get(EVENTS, params=params, headers=admin.bearer())
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), params


async def test_events_found_by_email_or_name_of_subject_or_actor(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor, bob: Actor
) -> None:
    await add_events(db, ("sign_in", alice.user.id, 3), ("sign_in", bob.user.id, 2))
    db.add(
        AuthEvent(type="role_changed", user_id=bob.user.id, actor_id=alice.user.id, success=True, created_at=utcnow())
    )
    await db.commit()
    by_email = (await client.get(EVENTS, params={"q": alice.user.email.upper()[:6]}, headers=admin.bearer())).json()
    assert {(e["type"], e["user_id"]) for e in by_email["data"]} == {
        ("sign_in", alice.user.id),
        ("role_changed", bob.user.id),  # alice acted
    }
    by_name = (await client.get(EVENTS, params={"q": bob.user.name}, headers=admin.bearer())).json()
    assert {e["user_id"] for e in by_name["data"]} == {bob.user.id}
    nobody = (await client.get(EVENTS, params={"q": "%"}, headers=admin.bearer())).json()
    assert nobody["count"] == 0  # a wildcard is a character, not a pattern


async def test_events_by_time_range_and_failures_only(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor
) -> None:
    await add_events(
        db, ("sign_in", alice.user.id, 120), ("sign_in_failed", alice.user.id, 60), ("sign_out", alice.user.id, 1)
    )
    now = utcnow()
    params = {
        "user_id": alice.user.id,
        "from": (now - timedelta(minutes=90)).isoformat(),
        "to": (now - timedelta(minutes=30)).isoformat(),
    }
    window = (await client.get(EVENTS, params=params, headers=admin.bearer())).json()
    assert [e["type"] for e in window["data"]] == ["sign_in_failed"]
    failures = (
        await client.get(EVENTS, params={"user_id": alice.user.id, "success": "false"}, headers=admin.bearer())
    ).json()
    assert [e["type"] for e in failures["data"]] == ["sign_in_failed"]
    bad = await client.get(EVENTS, params={"from": "yesterday"}, headers=admin.bearer())
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_ERROR")


async def test_events_export_csv_with_emails_and_no_formulas(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor
) -> None:
    await add_events(db, *[("sign_in", alice.user.id, minutes) for minutes in range(3)])
    db.add(
        AuthEvent(
            type="sign_in_failed", user_id=alice.user.id, success=False, reason="=HYPERLINK(1)", created_at=utcnow()
        )
    )
    await db.commit()
    response = await client.get(f"{EVENTS}.csv", params={"user_id": alice.user.id}, headers=admin.bearer())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("time,type,success,user_id,user_email")
    assert len(lines) == 5
    assert alice.user.email in lines[1]
    assert ",'=HYPERLINK(1)," in lines[1]  # newest first; the formula is defused
    refused = await client.get(f"{EVENTS}.csv", headers=alice.bearer())
    assert refused.status_code == 403


async def test_events_export_of_a_large_log_holds_every_row_in_order(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor
) -> None:
    # The export read the whole log into memory first and looked its people up in one IN list: with more than
    # 32,767 distinct people that was more bound parameters than asyncpg sends, a 500 on PostgreSQL (a default
    # SQLite build stops at 32,766; Debian's at 250,000). Now it reads and looks up one batch at a time, on a
    # session of its own once the route has returned.
    start = utcnow() - timedelta(days=1)
    people = 33_000
    await db.execute(
        insert(AuthEvent),
        [
            {"type": "sign_in", "user_id": f"gone-{i:05d}", "success": True, "created_at": start + timedelta(seconds=i)}
            for i in range(people)
        ],
    )
    await db.commit()
    await add_events(db, ("sign_in", alice.user.id, 0))

    response = await client.get(f"{EVENTS}.csv", headers=admin.bearer())
    assert response.status_code == 200, response.text[:500]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    mine = [row for row in rows if row["user_id"] == alice.user.id]
    assert [row["user_email"] for row in mine] == [alice.user.email]
    gone = [row["user_id"] for row in rows if row["user_id"].startswith("gone-")]
    assert gone == [f"gone-{i:05d}" for i in reversed(range(people))]  # newest first, none repeated or lost
    assert all(row["user_email"] == "" for row in rows if row["user_id"].startswith("gone-"))


async def test_events_export_holds_a_connection_only_while_it_reads(
    client: httpx.AsyncClient, db: AsyncSession, app: FastAPI, jwks: JwksServer, admin: Actor
) -> None:
    # A client that reads the CSV slowly must not keep a pooled connection between batches (the PostgreSQL
    # pool has no overflow): each batch is read on a session of its own, closed before the batch is sent.
    start = utcnow() - timedelta(days=1)
    await db.execute(
        insert(AuthEvent),
        [
            {"type": "sign_in", "user_id": f"u{i}", "success": True, "created_at": start + timedelta(seconds=i)}
            for i in range(1_200)
        ],
    )
    await db.commit()
    engine = app.state.db.engine.sync_engine
    held = [0]
    most = [0]

    def checkout(*_: object) -> None:
        held[0] += 1
        most[0] = max(most[0], held[0])

    def checkin(*_: object) -> None:
        held[0] -= 1

    token = jwks.mint(sub=admin.user.id, sid=admin.session.id)
    await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})  # credential now cached
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        response = await client.get(f"{EVENTS}.csv", headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 1 + 1_200
    assert (most[0], held[0]) == (1, 0)


async def test_events_carry_their_details_and_are_found_by_them(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, alice: Actor
) -> None:
    now = utcnow()
    db.add_all(
        [
            # Written by the auth server as JSON text; the subject of the first is gone.
            AuthEvent(
                type="user_deleted",
                user_id="gone-user-id",
                actor_id=admin.user.id,
                success=True,
                details='{"email":"departed@example.com","name":"Dee Parted"}',
                created_at=now - timedelta(minutes=3),
            ),
            AuthEvent(
                type="role_changed",
                user_id=alice.user.id,
                actor_id=admin.user.id,
                success=True,
                reason="role=admin",
                details='{"from":"user","to":"admin"}',
                created_at=now - timedelta(minutes=2),
            ),
            AuthEvent(
                type="sign_in_failed",
                user_id=None,
                success=False,
                reason="INVALID_EMAIL_OR_PASSWORD",
                details='{"email":"nobody-here@example.com"}',
                created_at=now - timedelta(minutes=1),
            ),
            AuthEvent(type="sign_in", user_id=alice.user.id, success=True, details="not json", created_at=now),
        ]
    )
    await db.commit()
    listed = (await client.get(EVENTS, params={"limit": 4}, headers=admin.bearer())).json()["data"]
    assert [(e["type"], e["details"]) for e in listed] == [
        ("sign_in", None),  # unreadable details read as none, never a 500
        ("sign_in_failed", {"email": "nobody-here@example.com"}),
        ("role_changed", {"from": "user", "to": "admin"}),
        ("user_deleted", {"email": "departed@example.com", "name": "Dee Parted"}),
    ]

    async def found(q: str) -> list[str]:
        data = (await client.get(EVENTS, params={"q": q}, headers=admin.bearer())).json()["data"]
        return [e["type"] for e in data]

    assert await found("DEPARTED@") == ["user_deleted"]  # the row is all that is left of them
    assert await found("dee part") == ["user_deleted"]
    assert await found("nobody-here") == ["sign_in_failed"]  # an address with no account
    # A role name in a role change's details is not a person.
    assert "role_changed" not in await found("user")

    csv_text = (await client.get(f"{EVENTS}.csv", params={"q": "departed"}, headers=admin.bearer())).text
    header, row = csv_text.strip().splitlines()
    assert header.endswith(",session_id,details")
    assert '"{""email"":""departed@example.com"",""name"":""Dee Parted""}"' in row


@pytest.mark.parametrize("path", [EVENTS, f"{EVENTS}.csv"])
@pytest.mark.parametrize("bound", ["from", "to"])
async def test_a_time_bound_without_a_zone_is_a_400(
    client: httpx.AsyncClient, admin: Actor, path: str, bound: str
) -> None:
    # A naive time reached the database layer, which refuses to guess a zone: a 500. Now a 400 before any read.
    for naive in ("2026-11-30T13:24:09", "2026-11-30"):
        refused = await client.get(path, params={bound: naive}, headers=admin.bearer())
        assert (refused.status_code, refused.json()["code"]) == (400, "VALIDATION_ERROR"), naive
    for aware in ("2026-11-30T13:24:09Z", "2026-11-30T14:24:09+01:00"):
        assert (await client.get(path, params={bound: aware}, headers=admin.bearer())).status_code == 200


async def test_events_export_keeps_rows_of_one_instant_across_batches(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor
) -> None:
    # The export's keyset is (created_at, id): rows written in the same instant, more than one batch of them,
    # come out once each, by id, newest first, with the rows before and after that instant around them.
    instant = utcnow() - timedelta(hours=1)
    same = EXPORT_BATCH * 2 + 34
    rows = [{"type": "sign_in", "user_id": "before", "success": True, "created_at": instant - timedelta(seconds=1)}]
    rows += [
        {"type": "sign_in", "user_id": f"same-{i:04d}", "success": True, "created_at": instant} for i in range(same)
    ]
    rows += [{"type": "sign_in", "user_id": "after", "success": True, "created_at": instant + timedelta(seconds=1)}]
    await db.execute(insert(AuthEvent), rows)
    await db.commit()

    response = await client.get(f"{EVENTS}.csv", headers=admin.bearer())
    assert response.status_code == 200, response.text[:500]
    users = [row["user_id"] for row in csv.DictReader(io.StringIO(response.text))]
    ours = [u for u in users if u in {"before", "after"} or u.startswith("same-")]
    assert ours == ["after", *[f"same-{i:04d}" for i in reversed(range(same))], "before"]
