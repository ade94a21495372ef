"""`gatehouse-fastapi install-feed / uninstall-feed / prune-feed / status` on SQLite and PostgreSQL.

The triggers it installs on a stock better-auth database must produce the same feed rows as Gatehouse's own
migrations (auth-server/src/db/migrations.ts) for the same changes: both databases below get their schema from
the real migrators, the same script of changes, and their feeds are compared row by row.
"""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from gatehouse_fastapi._cli import main, run
from gatehouse_fastapi._time import utcnow
from tests.conftest import TestDb

STOCK = [
    pytest.param(("sqlite", "better-auth"), id="sqlite"),
    pytest.param(("postgres", "better-auth"), id="postgres"),
]


async def feed_rows(db: TestDb) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("select kind, user_id, session_id from auth_revocations order by id"))
        return [tuple(row) for row in rows]


async def triggers(db: TestDb) -> list[str]:
    if db.kind == "sqlite":
        query = "select name from sqlite_master where type = 'trigger' and name like 'auth_%' order by name"
    else:
        query = "select tgname from pg_trigger where tgname like 'auth_%' and not tgisinternal order by tgname"
    async with db.engine.connect() as conn:
        return [row[0] for row in await conn.execute(text(query))]


async def change_script(db: TestDb) -> None:
    """The same changes, whatever the layout: ids are fixed so both feeds name the same rows."""
    rows = db.rows
    past, ahead = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    await rows.user(user_id="alice")
    await rows.session("alice", session_id="s1")
    await rows.session("alice", session_id="s2")
    await rows.account("alice", password="hash-1")
    await rows.update_session("s2", expiresAt=ahead + timedelta(days=30))  # a refresh: nothing
    await rows.update_session("s2", expiresAt=ahead)  # expiry brought forward: session_changed
    await rows.update_session("s2", token="rotated-token")  # session_changed
    await rows.update_session("s2", userAgent="other")  # not watched: nothing
    await rows.delete_session("s1")  # session
    await rows.update_user("alice", role="admin")  # user_changed
    await rows.update_user("alice", role="admin")  # no change: nothing
    await rows.update_user("alice", banned=True, banExpires=past)  # user_changed only: a ban already over
    await rows.update_user("alice", banExpires=ahead)  # now in force: user, its sessions deleted (s2)
    await rows.update_user("alice", banned=True)  # still banned: nothing
    await rows.update_user("alice", banned=False, banExpires=None)  # user_changed (an unban revokes nothing)
    await rows.session("alice", session_id="s3")
    if db.kind == "sqlite":  # a ban spelled "true" (SQLite keeps it as text): rewritten to 1, and in force
        await raw(db, "banned", "'true'")
    else:
        await rows.update_user("alice", banned=True)
    await rows.update_user("alice", banned=False)  # user_changed
    await rows.update_user("alice", emailVerified=False)  # user_changed
    await rows.update_user("alice", email="alice2@example.com")  # user_changed
    await rows.update_user("alice", name="Alice")  # not watched: nothing
    await rows.set_password("alice", "hash-1")  # same hash: nothing
    await rows.set_password("alice", "hash-2")  # password
    await rows.session("alice", session_id="s4")
    await rows.delete_user("alice")  # session (s4), user


async def raw(db: TestDb, field: str, sql_value: str) -> None:
    column = db.schema.user_column(field)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'update "{db.schema.user_table}" set "{column}" = {sql_value} where id = \'alice\''))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_installed_feed_writes_the_rows_gatehouse_migrations_write(kind: str, make_db: Any) -> None:
    gatehouse: TestDb = await make_db(kind, "gatehouse")
    stock: TestDb = await make_db(kind, "better-auth")
    assert await run(["install-feed", "--database-url", stock.url]) == 0
    for db in (gatehouse, stock):
        await change_script(db)
    expected = await feed_rows(gatehouse)
    # What Gatehouse's migrations write (the order of one change's rows is the database's trigger order): every
    # session deleted (s2 and s3 by the bans coming into force), two bans in force and the deletion, one password.
    assert [row for row in expected if row[0] == "session"] == [("session", "alice", f"s{i}") for i in range(1, 5)]
    assert [row[0] for row in expected].count("user") == 3
    assert [row[0] for row in expected].count("password") == 1
    assert [row for row in expected if row[0] == "session_changed"] == [("session_changed", "alice", "s2")] * 2
    assert [row[0] for row in expected].count("user_changed") == (9 if stock.kind == "sqlite" else 8)
    assert await feed_rows(stock) == expected
    assert await triggers(stock) == await triggers_named_like_gatehouse(gatehouse)


async def triggers_named_like_gatehouse(db: TestDb) -> list[str]:
    # Gatehouse also caps impersonation sessions (migration 0003), ends them with their admin's authority
    # (0014) and starts them only on it (0015): its own impersonation rules, not part of the feed. It also
    # follows a session's `amr`/`auth_time` (migration 0012): stock better-auth sessions have neither column.
    own = {
        "auth_cap_impersonation",
        "auth_feed_session_methods",
        "auth_end_impersonations_of_banned",
        "auth_end_impersonations_of_demoted",
        "auth_end_impersonations_of_deleted",
        "auth_end_impersonations_signed_out",
        "auth_end_impersonations_expired",
        "auth_impersonation_needs_its_admin",
    }
    return [name for name in await triggers(db) if name not in own]


@pytest.mark.parametrize("db", STOCK, indirect=True)
async def test_install_and_uninstall_are_idempotent(db: TestDb, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--database-url", db.url]
    assert await run(["status", *url]) == 0
    assert "feed: absent" in capsys.readouterr().out
    for _ in range(2):
        assert await run(["install-feed", *url]) == 0
    assert await triggers(db) == [
        "auth_feed_session_changed",
        "auth_feed_user_changed",
        "auth_revoke_banned_user",
        "auth_revoke_deleted_user",
        "auth_revoke_password",
        "auth_revoke_session",
    ]
    assert await run(["status", *url]) == 0
    assert "feed: installed" in capsys.readouterr().out
    for _ in range(2):
        assert await run(["uninstall-feed", *url]) == 0
    assert await triggers(db) == []
    await db.rows.actor()  # the auth tables still work without the feed


@pytest.mark.parametrize("db", [pytest.param(("sqlite", "better-auth-core"), id="no-admin")], indirect=True)
async def test_install_without_the_admin_plugin_watches_what_exists(db: TestDb) -> None:
    assert await run(["install-feed", "--database-url", db.url]) == 0
    assert "auth_revoke_banned_user" not in await triggers(db)
    actor = await db.rows.actor()
    await db.rows.update_user(actor.user_id, emailVerified=False)
    await db.rows.delete_session(actor.session_id)
    assert await feed_rows(db) == [("user_changed", actor.user_id, None), ("session", actor.user_id, actor.session_id)]


@pytest.mark.parametrize("db", [pytest.param(("sqlite", "gatehouse"), id="sqlite")], indirect=True)
async def test_gatehouse_database_keeps_its_own_feed(db: TestDb, capsys: pytest.CaptureFixture[str]) -> None:
    before = await triggers(db)
    assert await run(["install-feed", "--database-url", db.url]) == 0
    assert "already installed by Gatehouse" in capsys.readouterr().out
    assert await run(["uninstall-feed", "--database-url", db.url]) == 2
    assert "belongs to Gatehouse" in capsys.readouterr().err
    assert await triggers(db) == before
    assert await run(["status", "--database-url", db.url]) == 0
    assert "installed (Gatehouse's migrations)" in capsys.readouterr().out


@pytest.mark.parametrize("db", STOCK, indirect=True)
async def test_prune_keeps_recent_rows_and_the_newest(db: TestDb, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(["install-feed", "--database-url", db.url]) == 0
    for _ in range(3):
        actor = await db.rows.actor()
        await db.rows.delete_session(actor.session_id)
    assert await run(["prune-feed", "--database-url", db.url]) == 0
    assert len(await feed_rows(db)) == 3  # all younger than a day
    assert await run(["prune-feed", "--database-url", db.url, "--older-than-seconds", "-60"]) == 0
    assert "pruned 2 feed rows" in capsys.readouterr().out
    assert len(await feed_rows(db)) == 1  # the newest stays: readers resume after its id


@pytest.mark.parametrize("db", [pytest.param(("sqlite", "better-auth"), id="sqlite")], indirect=True)
async def test_custom_names_are_taken_from_the_options(db: TestDb, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--database-url", db.url]
    assert await run(["install-feed", *url, "--user-table", "user", "--field", "session.userId=userId"]) == 0
    assert await run(["install-feed", *url, "--field", "nonsense"]) == 2
    assert "expected user|session|account.FIELD=COLUMN" in capsys.readouterr().err
    assert await run(["install-feed", *url, "--field", "user.emailVerified=email_verified"]) == 2
    assert "email_verified" in capsys.readouterr().err


async def test_usage_and_database_errors_exit_without_a_traceback(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await run(["install-feed"]) == 2
    assert "--database-url" in capsys.readouterr().err
    assert await run(["install-feed", "--database-url", "mysql://x"]) == 2
    assert await run(["install-feed", "--database-url", f"sqlite:{tmp_path / 'empty.db'}"]) == 2
    assert "no better-auth tables found" in capsys.readouterr().err
    assert await run(["install-feed", "--database-url", "postgres://u:p@127.0.0.1:1/x"]) == 1
    assert "database error" in capsys.readouterr().err


def test_main_runs_the_command_in_its_own_event_loop(tmp_path: Any) -> None:
    assert main(["status", "--database-url", f"sqlite:{tmp_path / 'empty.db'}"]) == 2
