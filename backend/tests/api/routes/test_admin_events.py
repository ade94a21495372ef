"""GET /api/v1/admin/events: the audit log both services write, for admins only."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthEvent, utcnow
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


async def test_events_written_by_the_backend_are_listed(client: httpx.AsyncClient, admin: Actor, bob: Actor) -> None:
    await client.put(f"/api/v1/users/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer())
    [event] = (await client.get(EVENTS, params={"user_id": bob.user.id}, headers=admin.bearer())).json()["data"]
    assert (event["type"], event["actor_id"], event["reason"]) == ("role_changed", admin.user.id, "admin")


async def test_events_filters_are_validated(client: httpx.AsyncClient, admin: Actor) -> None:
    for params in ({"type": "DROP TABLE"}, {"limit": 0}, {"limit": 101}, {"offset": -1}, {"user_id": ""}):
        response = await client.get(EVENTS, params=params, headers=admin.bearer())
        assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), params
