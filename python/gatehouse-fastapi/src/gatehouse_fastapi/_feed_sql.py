"""The revocation feed's table and triggers for any better-auth schema, as SQL for SQLite and PostgreSQL.

The statements are Gatehouse's own (the auth server's migrations 0002 `revocation_feed` and 0005
`feed_user_changes`) with the table and column names of the schema in use, so a stock better-auth database
gets exactly the feed rows a Gatehouse one does for the same change:
  - `session`      a session row was deleted (sign-out, revoke, reset, ban, expiry clean-up), by any writer;
  - `user`         a user was banned (the flag turned on) or deleted;
  - `password`     a credential password changed (the sessions it revoked arrive as their own rows);
  - `user_changed` role, ban state, ban expiry, verified flag or email changed.
Without the admin plugin's columns the ban and role parts are left out. On PostgreSQL every row also
NOTIFYs `gatehouse_revocations` with its id, so readers wake at once.
"""

from dataclasses import dataclass

from gatehouse_fastapi._schema import Schema

CHANNEL = "gatehouse_revocations"
TABLE = "auth_revocations"
TRIGGERS = (
    "auth_revoke_session",
    "auth_revoke_banned_user",
    "auth_revoke_deleted_user",
    "auth_revoke_password",
    "auth_feed_user_changed",
)
FUNCTIONS = ("auth_record_revocation", "auth_record_user_change")


def _q(name: str) -> str:
    """A double-quoted SQL identifier (both dialects)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class FeedNames:
    """The quoted names the triggers use, for one schema."""

    users: str
    sessions: str
    accounts: str
    session_user_id: str
    account_user_id: str
    password: str
    banned: str | None
    watched: tuple[str, ...]  # user columns whose change is a `user_changed` row

    @classmethod
    def of(cls, schema: Schema, optional: frozenset[str]) -> "FeedNames":
        """Names for `schema`; `optional` lists the admin plugin fields present (see `present_fields`)."""
        watched_fields = [f for f in ("role", "banned", "banExpires") if f in optional] + ["emailVerified", "email"]
        return cls(
            users=_q(schema.user_table),
            sessions=_q(schema.session_table),
            accounts=_q(schema.account_table),
            session_user_id=_q(schema.session_column("userId")),
            account_user_id=_q(schema.account_column("userId")),
            password=_q(schema.account_column("password")),
            banned=_q(schema.user_column("banned")) if "banned" in optional else None,
            watched=tuple(_q(schema.user_column(f)) for f in watched_fields),
        )


def sqlite_install(n: FeedNames) -> list[str]:
    """SQLite statements, idempotent: the table is created if missing, triggers dropped and created again (so
    a second run after the admin plugin added its columns watches them too). Run them in one transaction.
    Triggers are created in Gatehouse's order, which is the order SQLite fires them in for one change.
    """
    insert = f"insert into {TABLE} (kind, user_id, session_id) values"
    changed = " or ".join(f"old.{c} is not new.{c}" for c in n.watched)
    banned = []
    if n.banned is not None:
        b = n.banned
        banned.append(
            f"""create trigger auth_revoke_banned_user after update of {b} on {n.users}
        when new.{b} = 1 and (old.{b} is null or old.{b} = 0) begin
        {insert} ('user', new.id, null);
      end"""
        )
    return [
        f"""create table if not exists {TABLE} (
        id integer primary key autoincrement,
        kind text not null,
        user_id text,
        session_id text,
        created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      )""",
        f"create index if not exists {TABLE}_created_at_idx on {TABLE} (created_at)",
        *(f"drop trigger if exists {name}" for name in TRIGGERS),
        f"""create trigger auth_revoke_session after delete on {n.sessions} begin
        {insert} ('session', old.{n.session_user_id}, old.id);
      end""",
        *banned,
        f"""create trigger auth_revoke_deleted_user after delete on {n.users} begin
        {insert} ('user', old.id, null);
      end""",
        f"""create trigger auth_revoke_password after update of {n.password} on {n.accounts}
        when old.{n.password} is not new.{n.password} begin
        {insert} ('password', new.{n.account_user_id}, null);
      end""",
        f"""create trigger auth_feed_user_changed after update of {", ".join(n.watched)} on {n.users}
        when {changed} begin
        {insert} ('user_changed', new.id, null);
      end""",
    ]


def postgres_install(n: FeedNames) -> list[str]:
    """PostgreSQL statements, idempotent: functions are replaced, triggers dropped and created again."""
    changed = " or ".join(f"old.{c} is distinct from new.{c}" for c in n.watched)
    users_literal = n.users[1:-1].replace("'", "''")
    sessions_literal = n.sessions[1:-1].replace("'", "''")
    statements = [
        f"""create table if not exists {TABLE} (
        id bigserial primary key,
        kind text not null,
        user_id text,
        session_id text,
        created_at timestamptz not null default clock_timestamp()
      )""",
        f"create index if not exists {TABLE}_created_at_idx on {TABLE} (created_at)",
        f"""create or replace function auth_record_revocation() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        if tg_table_name = '{sessions_literal}' then
          insert into {TABLE} (kind, user_id, session_id) values ('session', old.{n.session_user_id}, old.id)
            returning id into rid;
        elsif tg_table_name = '{users_literal}' and tg_op = 'DELETE' then
          insert into {TABLE} (kind, user_id) values ('user', old.id) returning id into rid;
        elsif tg_table_name = '{users_literal}' then
          insert into {TABLE} (kind, user_id) values ('user', new.id) returning id into rid;
        else
          insert into {TABLE} (kind, user_id) values ('password', new.{n.account_user_id}) returning id into rid;
        end if;
        perform pg_notify('{CHANNEL}', rid::text);
        return null;
      end $$""",
        f"""create or replace function auth_record_user_change() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        insert into {TABLE} (kind, user_id) values ('user_changed', new.id) returning id into rid;
        perform pg_notify('{CHANNEL}', rid::text);
        return null;
      end $$""",
    ]
    triggers = [
        f"""create trigger auth_revoke_session after delete on {n.sessions}
        for each row execute function auth_record_revocation()""",
        f"""create trigger auth_revoke_deleted_user after delete on {n.users}
        for each row execute function auth_record_revocation()""",
        f"""create trigger auth_revoke_password after update of {n.password} on {n.accounts}
        for each row when (old.{n.password} is distinct from new.{n.password})
        execute function auth_record_revocation()""",
        f"""create trigger auth_feed_user_changed after update of {", ".join(n.watched)} on {n.users}
        for each row when ({changed})
        execute function auth_record_user_change()""",
    ]
    if n.banned is not None:
        b = n.banned
        triggers.append(
            f"""create trigger auth_revoke_banned_user after update of {b} on {n.users}
        for each row when (new.{b} is true and old.{b} is distinct from true)
        execute function auth_record_revocation()"""
        )
    return statements + _postgres_drop_triggers(n) + triggers


def _postgres_drop_triggers(n: FeedNames) -> list[str]:
    on = {
        "auth_revoke_session": n.sessions,
        "auth_revoke_banned_user": n.users,
        "auth_revoke_deleted_user": n.users,
        "auth_revoke_password": n.accounts,
        "auth_feed_user_changed": n.users,
    }
    return [f"drop trigger if exists {name} on {table}" for name, table in on.items()]


def sqlite_uninstall() -> list[str]:
    """SQLite statements removing every trigger and the table (idempotent)."""
    return [f"drop trigger if exists {name}" for name in TRIGGERS] + [f"drop table if exists {TABLE}"]


def postgres_uninstall(n: FeedNames) -> list[str]:
    """PostgreSQL statements removing every trigger, both functions and the table (idempotent)."""
    return [
        *_postgres_drop_triggers(n),
        *(f"drop function if exists {name}()" for name in FUNCTIONS),
        f"drop table if exists {TABLE}",
    ]


PRUNE = f"delete from {TABLE} where created_at < :cutoff and id < (select max(id) from {TABLE})"
"""Delete feed rows older than `:cutoff`, never the newest one (a reader's position may point at it)."""
