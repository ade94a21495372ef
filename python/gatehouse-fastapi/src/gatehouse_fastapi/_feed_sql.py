"""The revocation feed's table and triggers for any better-auth schema, as SQL for SQLite and PostgreSQL.

The statements are Gatehouse's own (the auth server's migrations 0002 `revocation_feed`, 0005
`feed_user_changes`, 0007 `ban_in_force` and 0008 `feed_session_changes`) with the table and column names of
the schema in use, so a stock better-auth database gets exactly the feed rows a Gatehouse one does for the same
change:
  - `session`      a session row was deleted (sign-out, revoke, reset, ban, expiry clean-up), by any writer;
  - `user`         a ban came into force (the flag set, in any spelling, with no end date or one ahead), or a
                   user was deleted; a ban also deletes the user's sessions, each leaving its `session` row;
  - `password`     a credential password changed (the sessions it revoked arrive as their own rows);
  - `user_changed` role, ban state, ban expiry, verified flag or email changed;
  - `session_changed` a session's expiry brought forward, or its token or owner changed (not a revocation:
                   readers drop their cached copy and the row decides).
On SQLite, where `banned` is an INTEGER column that keeps `'true'` or `2` as written, it is rewritten to 0/1
by what it means (anything but a PostgreSQL "false" spelling is a ban). Without the admin plugin's columns the
ban and role parts are left out. On PostgreSQL every row also NOTIFYs `gatehouse_revocations` with its id.
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
    "users_banned_as_boolean_after_update",
    "users_banned_as_boolean_after_insert",
    "auth_feed_session_changed",
)
FUNCTIONS = ("auth_record_revocation", "auth_record_user_change", "auth_enforce_ban", "auth_record_session_change")
_FALSE_SPELLINGS = "('', '0', 'f', 'false', 'n', 'no', 'off')"  # PostgreSQL's boolean input forms for false


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
    session_expires_at: str
    session_token: str
    account_user_id: str
    password: str
    banned: str | None  # with ban_expires, only when the admin plugin's columns exist
    ban_expires: str | None
    watched: tuple[str, ...]  # user columns whose change is a `user_changed` row

    @classmethod
    def of(cls, schema: Schema, optional: frozenset[str]) -> "FeedNames":
        """Names for `schema`; `optional` lists the admin plugin fields present (see `present_fields`)."""
        watched_fields = [f for f in ("role", "banned", "banExpires") if f in optional] + ["emailVerified", "email"]
        bans = {"banned", "banExpires"} <= optional
        return cls(
            users=_q(schema.user_table),
            sessions=_q(schema.session_table),
            accounts=_q(schema.account_table),
            session_user_id=_q(schema.session_column("userId")),
            session_expires_at=_q(schema.session_column("expiresAt")),
            session_token=_q(schema.session_column("token")),
            account_user_id=_q(schema.account_column("userId")),
            password=_q(schema.account_column("password")),
            banned=_q(schema.user_column("banned")) if bans else None,
            ban_expires=_q(schema.user_column("banExpires")) if bans else None,
            watched=tuple(_q(schema.user_column(f)) for f in watched_fields),
        )


def _sqlite_truthy(value: str) -> str:
    return f"({value} is not null and lower(trim(cast({value} as text))) not in {_FALSE_SPELLINGS})"


def _sqlite_ban_in_force(n: FeedNames, r: str) -> str:
    # An end date that is not ISO text cannot be compared and keeps the ban (fail closed), as on the auth server.
    b, e = f"{r}.{n.banned}", f"{r}.{n.ban_expires}"
    return (
        f"({_sqlite_truthy(b)} and ({e} is null or {e} = '' or typeof({e}) <> 'text'"
        f" or {e} > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
    )


def _pg_ban_in_force(n: FeedNames, r: str) -> str:
    return f"({r}.{n.banned} is true and ({r}.{n.ban_expires} is null or {r}.{n.ban_expires} > clock_timestamp()))"


def sqlite_install(n: FeedNames) -> list[str]:
    """SQLite statements, idempotent: the table is created if missing, triggers dropped and created again (so
    a second run after the admin plugin added its columns watches them too). Run them in one transaction.
    Triggers are created in the order Gatehouse's migrations leave them, which is the order SQLite fires them
    in for one change, so even the ids of the rows one change writes come out alike.
    """
    insert = f"insert into {TABLE} (kind, user_id, session_id) values"
    changed = " or ".join(f"old.{c} is not new.{c}" for c in n.watched)
    bans: list[str] = []
    if n.banned is not None:
        b = n.banned
        as_boolean = f"update {n.users} set {b} = {_sqlite_truthy(f'new.{b}')} where id = new.id"
        bans = [
            f"""create trigger auth_revoke_banned_user after update of {b}, {n.ban_expires} on {n.users}
        when {_sqlite_ban_in_force(n, "new")} and not {_sqlite_ban_in_force(n, "old")} begin
        {insert} ('user', new.id, null);
        delete from {n.sessions} where {n.session_user_id} = new.id;
      end""",
            f"""create trigger users_banned_as_boolean_after_update after update of {b} on {n.users}
        when new.{b} is not null and new.{b} not in (0, 1) begin
        {as_boolean};
      end""",
            f"""create trigger users_banned_as_boolean_after_insert after insert on {n.users}
        when new.{b} is not null and new.{b} not in (0, 1) begin
        {as_boolean};
      end""",
        ]
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
        *bans,
        f"""create trigger auth_feed_session_changed after update of {_session_changed_columns(n)} on {n.sessions}
        when {_session_changed(n, "is not")} begin
        {insert} ('session_changed', old.{n.session_user_id}, old.id);
      end""",
    ]


def _session_changed_columns(n: FeedNames) -> str:
    return f"{n.session_expires_at}, {n.session_token}, {n.session_user_id}"


def _session_changed(n: FeedNames, differs: str) -> str:
    # An expiry brought forward, or the token or owner changed (0008); a later expiry is a refresh, no row.
    e, t, u = n.session_expires_at, n.session_token, n.session_user_id
    return f"new.{e} < old.{e} or new.{t} {differs} old.{t} or new.{u} {differs} old.{u}"


def _notify(kind: str, user: str, session: str = "null") -> str:
    return f"""insert into {TABLE} (kind, user_id, session_id) values ('{kind}', {user}, {session})
          returning id into rid;"""


def postgres_install(n: FeedNames) -> list[str]:
    """PostgreSQL statements, idempotent: functions are replaced, triggers dropped and created again."""
    changed = " or ".join(f"old.{c} is distinct from new.{c}" for c in n.watched)
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
          {_notify("session", f"old.{n.session_user_id}", "old.id")}
        elsif tg_op = 'DELETE' then
          {_notify("user", "old.id")}
        else
          {_notify("password", f"new.{n.account_user_id}")}
        end if;
        perform pg_notify('{CHANNEL}', rid::text);
        return null;
      end $$""",
        f"""create or replace function auth_record_user_change() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        {_notify("user_changed", "new.id")}
        perform pg_notify('{CHANNEL}', rid::text);
        return null;
      end $$""",
        f"""create or replace function auth_record_session_change() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        {_notify("session_changed", f"old.{n.session_user_id}", "old.id")}
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
        f"""create trigger auth_feed_session_changed after update of {_session_changed_columns(n)} on {n.sessions}
        for each row when ({_session_changed(n, "is distinct from")})
        execute function auth_record_session_change()""",
    ]
    if n.banned is not None:
        statements.append(
            f"""create or replace function auth_enforce_ban() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        {_notify("user", "new.id")}
        perform pg_notify('{CHANNEL}', rid::text);
        delete from {n.sessions} where {n.session_user_id} = new.id;
        return null;
      end $$"""
        )
        triggers.append(
            f"""create trigger auth_revoke_banned_user after update of {n.banned}, {n.ban_expires} on {n.users}
        for each row when ({_pg_ban_in_force(n, "new")} and not {_pg_ban_in_force(n, "old")})
        execute function auth_enforce_ban()"""
        )
    return statements + _postgres_drop_triggers(n) + triggers


def _postgres_drop_triggers(n: FeedNames) -> list[str]:
    on = {
        "auth_revoke_session": n.sessions,
        "auth_revoke_banned_user": n.users,
        "auth_revoke_deleted_user": n.users,
        "auth_revoke_password": n.accounts,
        "auth_feed_user_changed": n.users,
        "auth_feed_session_changed": n.sessions,
    }
    return [f"drop trigger if exists {name} on {table}" for name, table in on.items()]


def sqlite_uninstall() -> list[str]:
    """SQLite statements removing every trigger and the table (idempotent)."""
    return [f"drop trigger if exists {name}" for name in TRIGGERS] + [f"drop table if exists {TABLE}"]


def postgres_uninstall(n: FeedNames) -> list[str]:
    """PostgreSQL statements removing every trigger, the functions and the table (idempotent)."""
    return [
        *_postgres_drop_triggers(n),
        *(f"drop function if exists {name}()" for name in FUNCTIONS),
        f"drop table if exists {TABLE}",
    ]


PRUNE = f"delete from {TABLE} where created_at < :cutoff and id < (select max(id) from {TABLE})"
"""Delete feed rows older than `:cutoff`, never the newest one (a reader's position may point at it)."""
