"""Backend changes leave rows in the shared auth_events table, in the auth server's vocabulary."""

import logging
import re

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuthEvent
from tests.utils.factories import Actor, make_session


async def events(db: AsyncSession) -> list[AuthEvent]:
    return list((await db.scalars(select(AuthEvent).order_by(AuthEvent.id))).all())


async def test_ban_and_unban_record_events(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor, db_kind: str
) -> None:
    headers = {**admin.bearer(), "User-Agent": "admin-console/1.0"}
    await client.post(f"/api/v1/users/{bob.user.id}/ban", json={"reason": "private note"}, headers=headers)
    await client.delete(f"/api/v1/users/{bob.user.id}/ban", headers=headers)
    rows = await events(db)
    assert [(e.type, e.session_id) for e in rows] == [
        ("user_banned", None),
        ("session_revoked", bob.session.id),
        ("user_unbanned", None),
    ]
    assert {(e.user_id, e.actor_id, e.success, e.user_agent) for e in rows} == {
        (bob.user.id, admin.user.id, True, "admin-console/1.0")
    }
    assert all(e.reason != "private note" for e in rows)  # the admin's free text stays on the user row
    if db_kind == "sqlite":
        raw = (await db.execute(text("select created_at, success from auth_events limit 1"))).one()
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", raw[0])
        assert raw[1] == 1


async def test_role_change_records_new_role(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor
) -> None:
    await client.put(f"/api/v1/users/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer())
    [event] = await events(db)
    assert (event.type, event.reason, event.actor_id) == ("role_changed", "admin", admin.user.id)


async def test_session_revocations_record_one_event_per_session(
    client: httpx.AsyncClient, db: AsyncSession, alice: Actor
) -> None:
    second = await make_session(db, alice.user)
    third = await make_session(db, alice.user)
    await client.delete(f"/api/v1/users/{alice.user.id}/sessions/{second.id}", headers=alice.bearer())
    await client.delete(f"/api/v1/users/{alice.user.id}/sessions", headers=alice.bearer())
    rows = await events(db)
    assert rows[0].session_id == second.id
    assert {e.session_id for e in rows[1:]} == {alice.session.id, third.id}
    assert {e.type for e in rows} == {"session_revoked"}
    assert [e.reason for e in rows] == ["backend:revoke_session", "backend:revoke_all", "backend:revoke_all"]


async def test_unwritable_audit_log_does_not_fail_the_change(
    client: httpx.AsyncClient, db: AsyncSession, admin: Actor, bob: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    await db.execute(text("ALTER TABLE auth_events RENAME TO auth_events_elsewhere"))
    await db.commit()
    try:
        with caplog.at_level(logging.ERROR, logger="gatehouse.audit"):
            response = await client.put(
                f"/api/v1/users/{bob.user.id}/role", json={"role": "admin"}, headers=admin.bearer()
            )
    finally:
        await db.execute(text("ALTER TABLE auth_events_elsewhere RENAME TO auth_events"))
        await db.commit()
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert any(r.message == "could not write auth event" for r in caplog.records)
