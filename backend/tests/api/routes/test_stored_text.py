"""Issue 12 item 9, read side: text another writer stored as invalid UTF-8 (SQLite keeps whatever bytes it is
given; the auth server once stored a lone surrogate of a sign-up name as ED A0 80) never turns a read into a 500.
Every route that shows such a column answers, with U+FFFD where the bytes were invalid. PostgreSQL refuses
invalid UTF-8 when it is written, so there the row cannot exist (shown below)."""

import sqlite3

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.utils.factories import Actor, make_actor

LONE_SURROGATE = b"x\xed\xa0\x80y"  # "x\ud800y" encoded as if it were a character (WTF-8), invalid UTF-8
CUT_SEQUENCE = b"caf\xc3"  # a two-byte character cut in half


def store_raw(database_url: str, sql: str, *params: object) -> None:
    """Write through another connection, as the auth server (or an operator) would."""
    with sqlite3.connect(database_url.removeprefix("sqlite:")) as conn:
        conn.execute(sql, params)


@pytest.mark.parametrize("raw", [LONE_SURROGATE, CUT_SEQUENCE])
async def test_invalid_utf8_in_identity_rows_never_breaks_a_read(
    client: httpx.AsyncClient, db: AsyncSession, db_kind: str, database_url: str, admin: Actor, raw: bytes
) -> None:
    victim = await make_actor(db, name="placeholder", email="victim@example.com")
    if db_kind == "postgres":
        with pytest.raises(DBAPIError):  # invalid byte sequence for encoding "UTF8"
            await db.execute(
                text("UPDATE users SET name = convert_from(:raw, 'UTF8') WHERE id = :id"),
                {"raw": raw, "id": victim.user.id},
            )
        return
    # A text value holding the raw bytes, as better-sqlite3 binds a JS string.
    store_raw(database_url, "UPDATE users SET name = CAST(? AS TEXT) WHERE id = ?", raw, victim.user.id)
    session_id = victim.session.id
    store_raw(database_url, "UPDATE user_sessions SET user_agent = CAST(? AS TEXT) WHERE id = ?", raw, session_id)
    expected = raw.decode("utf-8", "replace")

    listed = await client.get("/api/v1/users", headers=admin.bearer())
    assert listed.status_code == 200, listed.text
    assert expected in [user["name"] for user in listed.json()["data"]]
    one = await client.get(f"/api/v1/users/{victim.user.id}", headers=admin.bearer())
    assert (one.status_code, one.json()["name"]) == (200, expected)
    assert (await client.get("/api/v1/users", params={"search": "victim"}, headers=admin.bearer())).status_code == 200
    sessions = await client.get(f"/api/v1/users/{victim.user.id}/sessions", headers=admin.bearer())
    assert (sessions.status_code, sessions.json()["data"][0]["user_agent"]) == (200, expected)
    # The owner's own credential still works: authentication reads the same row.
    for path in ("/api/v1/auth/me", "/api/v1/auth/session"):
        response = await client.get(path, headers=victim.bearer())
        assert response.status_code == 200, (path, response.text)
