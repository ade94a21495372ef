/**
 * Gatehouse's own schema changes on top of better-auth's tables, in order. Each runs once, in a
 * transaction, recorded in `gatehouse_migrations`. Never edit a released entry: append a new one.
 */
import { ADMIN_ROLES, DEFAULT_ROLE, ROLE_SEPARATOR } from "../contract.gen.js";

export interface SqlMigration {
  name: string;
  sqlite: string[];
  postgres: string[];
}

/** SQLite: 1 when a stored `banned` value means "banned" (plugins/session-rule/ban.ts, in SQL), else 0. */
function sqliteTruthy(value: string): string {
  return `(${value} is not null and lower(trim(cast(${value} as text))) not in ('', '0', 'f', 'false', 'n', 'no', 'off'))`;
}

/**
 * SQLite: a ban in force on row `r` (new/old): the flag set and no end date, or one still ahead
 * on the database's clock. An end date that is not ISO text cannot be compared and keeps the ban.
 */
function sqliteBanInForce(r: string): string {
  return `(${sqliteTruthy(`${r}.banned`)} and (${r}.ban_expires is null or ${r}.ban_expires = ''
    or typeof(${r}.ban_expires) <> 'text' or ${r}.ban_expires > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`;
}

/**
 * SQL true when the stored role `column` grants an admin role: split on ROLE_SEPARATOR and compared exactly
 * (case included, never trimmed), as the admin plugin reads it (plugins/roles/parse.ts). A missing role is
 * DEFAULT_ROLE. `position` is PostgreSQL's spelling, `instr` SQLite's (SQLite's LIKE ignores case).
 */
function grantsAdmin(column: string, dialect: "sqlite" | "postgres"): string {
  const stored = `'${ROLE_SEPARATOR}' || coalesce(nullif(${column}, ''), '${DEFAULT_ROLE}') || '${ROLE_SEPARATOR}'`;
  const found = (role: string) =>
    dialect === "sqlite"
      ? `instr(${stored}, '${ROLE_SEPARATOR}${role}${ROLE_SEPARATOR}') > 0`
      : `position('${ROLE_SEPARATOR}${role}${ROLE_SEPARATOR}' in ${stored}) > 0`;
  return `(${ADMIN_ROLES.map(found).join(" or ")})`;
}

/** SQLite: a session of `userId`'s own (not an impersonation) that has not expired on the database's clock. */
const SQLITE_LIVE_OWN_SESSION = (userId: string): string =>
  `select 1 from user_sessions where user_id = ${userId} and impersonated_by is null
    and expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** PostgreSQL: a ban in force on row `r` (new/old), on the database's clock. */
function pgBanInForce(r: string): string {
  return `(${r}.banned is true and (${r}.ban_expires is null or ${r}.ban_expires > clock_timestamp()))`;
}

export const GATEHOUSE_MIGRATIONS: SqlMigration[] = [
  {
    // Lookups the backend makes on every opaque-credential check and every session listing.
    name: "0001_session_and_account_indexes",
    sqlite: [
      "create index if not exists user_sessions_user_id_expires_idx on user_sessions (user_id, expires_at)",
      "create index if not exists accounts_provider_account_idx on accounts (provider_id, account_id)",
    ],
    postgres: [
      "create index if not exists user_sessions_user_id_expires_idx on user_sessions (user_id, expires_at)",
      "create index if not exists accounts_provider_account_idx on accounts (provider_id, account_id)",
    ],
  },
  {
    // The revocation feed (docs/ARCHITECTURE.md, Revocation). Triggers on the auth tables append one row
    // per revocation, whichever service made the change, so no writer can forget to. Backends
    // replay it into memory and refuse revoked sessions without a query per request.
    //   kind = 'session'  a session row was deleted (sign-out, revoke, reset, ban, expiry cleanup)
    //   kind = 'user'     a user was banned or deleted: every session created before created_at
    //                     is dead, even one whose row a racing writer has not deleted yet
    //   kind = 'password' a credential password changed: sessions the change revoked arrive as
    //                     'session' rows; this one tells caches to re-check the user's sessions
    //                     (it is not a cut-off, so "keep my other devices" keeps working)
    // On PostgreSQL each row also NOTIFYs `gatehouse_revocations` with its id.
    name: "0002_revocation_feed",
    sqlite: [
      `create table if not exists auth_revocations (
        id integer primary key autoincrement,
        kind text not null,
        user_id text,
        session_id text,
        created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      )`,
      "create index if not exists auth_revocations_created_at_idx on auth_revocations (created_at)",
      `create trigger if not exists auth_revoke_session after delete on user_sessions begin
        insert into auth_revocations (kind, user_id, session_id) values ('session', old.user_id, old.id);
      end`,
      `create trigger if not exists auth_revoke_banned_user after update of banned on users
        when new.banned = 1 and (old.banned is null or old.banned = 0) begin
        insert into auth_revocations (kind, user_id) values ('user', new.id);
      end`,
      `create trigger if not exists auth_revoke_deleted_user after delete on users begin
        insert into auth_revocations (kind, user_id) values ('user', old.id);
      end`,
      `create trigger if not exists auth_revoke_password after update of password on accounts
        when old.password is not new.password begin
        insert into auth_revocations (kind, user_id) values ('password', new.user_id);
      end`,
    ],
    postgres: [
      `create table if not exists auth_revocations (
        id bigserial primary key,
        kind text not null,
        user_id text,
        session_id text,
        created_at timestamptz not null default clock_timestamp()
      )`,
      "create index if not exists auth_revocations_created_at_idx on auth_revocations (created_at)",
      `create or replace function auth_record_revocation() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        if tg_table_name = 'user_sessions' then
          insert into auth_revocations (kind, user_id, session_id) values ('session', old.user_id, old.id) returning id into rid;
        elsif tg_table_name = 'users' and tg_op = 'DELETE' then
          insert into auth_revocations (kind, user_id) values ('user', old.id) returning id into rid;
        elsif tg_table_name = 'users' then
          insert into auth_revocations (kind, user_id) values ('user', new.id) returning id into rid;
        else
          insert into auth_revocations (kind, user_id) values ('password', new.user_id) returning id into rid;
        end if;
        perform pg_notify('gatehouse_revocations', rid::text);
        return null;
      end $$`,
      `create trigger auth_revoke_session after delete on user_sessions
        for each row execute function auth_record_revocation()`,
      `create trigger auth_revoke_banned_user after update of banned on users
        for each row when (new.banned is true and old.banned is distinct from true)
        execute function auth_record_revocation()`,
      `create trigger auth_revoke_deleted_user after delete on users
        for each row execute function auth_record_revocation()`,
      `create trigger auth_revoke_password after update of password on accounts
        for each row when (old.password is distinct from new.password)
        execute function auth_record_revocation()`,
    ],
  },
  {
    // better-auth refreshes a Bearer-authenticated impersonation session like any other, which
    // stretches its 1-hour life to the full 7 days on first use (the cookie path is spared by the
    // dont-remember cookie). The database caps it for every writer: an impersonation session
    // never lives past one hour after its creation.
    name: "0003_cap_impersonation_sessions",
    sqlite: [
      `create trigger if not exists auth_cap_impersonation after update of expires_at on user_sessions
        when new.impersonated_by is not null
          and new.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', new.created_at, '+1 hour') begin
        update user_sessions set expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', new.created_at, '+1 hour')
          where id = new.id;
      end`,
    ],
    postgres: [
      `create or replace function auth_cap_impersonation() returns trigger language plpgsql as $$
      begin
        if new.impersonated_by is not null and new.expires_at > new.created_at + interval '1 hour' then
          new.expires_at := new.created_at + interval '1 hour';
        end if;
        return new;
      end $$`,
      `create trigger auth_cap_impersonation before update of expires_at on user_sessions
        for each row execute function auth_cap_impersonation()`,
    ],
  },
  {
    // Audit trail (both services append; admins read it through the backend) and the per-account
    // failed-sign-in counter that the lockout shares across instances.
    name: "0004_auth_events_and_login_failures",
    sqlite: [
      `create table if not exists auth_events (
        id integer primary key autoincrement,
        type text not null,
        user_id text,
        session_id text,
        actor_id text,
        ip text,
        user_agent text,
        success integer not null,
        reason text,
        created_at text not null
      )`,
      "create index if not exists auth_events_user_created_idx on auth_events (user_id, created_at)",
      "create index if not exists auth_events_type_created_idx on auth_events (type, created_at)",
      `create table if not exists auth_login_failures (
        email text primary key,
        failures integer not null,
        locked_until text,
        updated_at text not null
      )`,
    ],
    postgres: [
      `create table if not exists auth_events (
        id bigserial primary key,
        type text not null,
        user_id text,
        session_id text,
        actor_id text,
        ip text,
        user_agent text,
        success boolean not null,
        reason text,
        created_at timestamptz not null
      )`,
      "create index if not exists auth_events_user_created_idx on auth_events (user_id, created_at)",
      "create index if not exists auth_events_type_created_idx on auth_events (type, created_at)",
      `create table if not exists auth_login_failures (
        email text primary key,
        failures integer not null,
        locked_until timestamptz,
        updated_at timestamptz not null
      )`,
    ],
  },
  {
    // Changes that alter what a user may do without revoking anything (role, unban, ban expiry,
    // verified email, email): backends that cache users refresh them on this feed row instead of
    // asking the database on every request.
    name: "0005_feed_user_changes",
    sqlite: [
      `create trigger if not exists auth_feed_user_changed after update of role, banned, ban_expires, email_verified, email on users
        when old.role is not new.role or old.banned is not new.banned or old.ban_expires is not new.ban_expires
          or old.email_verified is not new.email_verified or old.email is not new.email begin
        insert into auth_revocations (kind, user_id) values ('user_changed', new.id);
      end`,
    ],
    postgres: [
      `create or replace function auth_record_user_change() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        insert into auth_revocations (kind, user_id) values ('user_changed', new.id) returning id into rid;
        perform pg_notify('gatehouse_revocations', rid::text);
        return null;
      end $$`,
      `create trigger auth_feed_user_changed after update of role, banned, ban_expires, email_verified, email on users
        for each row when (old.role is distinct from new.role or old.banned is distinct from new.banned
          or old.ban_expires is distinct from new.ban_expires or old.email_verified is distinct from new.email_verified
          or old.email is distinct from new.email)
        execute function auth_record_user_change()`,
    ],
  },
  {
    // The internal admin API's replay store (plugins/internal-admin/replay.ts): the jti of every
    // accepted service token, until the token expires (epoch seconds), shared by every instance.
    // The primary key makes a replay on another instance fail the insert. Used when no Redis is
    // configured; expired rows are deleted by the instances as they go.
    name: "0006_internal_api_jtis",
    sqlite: [
      "create table if not exists internal_api_jtis (jti text primary key, expires_at integer not null)",
      "create index if not exists internal_api_jtis_expires_idx on internal_api_jtis (expires_at)",
    ],
    postgres: [
      "create table if not exists internal_api_jtis (jti text primary key, expires_at bigint not null)",
      "create index if not exists internal_api_jtis_expires_idx on internal_api_jtis (expires_at)",
    ],
  },
  {
    // A ban in whatever form a writer stores it (issue 11, failure 4). better-auth writes booleans,
    // but on SQLite `banned` is an INTEGER column that keeps `'true'` or `2` as given, and the
    // feed trigger of 0002 only saw `= 1`, so such a ban left no feed row and the user's sessions
    // alive. Now, for every writer (SQL included):
    // - SQLite stores `banned` as 0/1: any other value is rewritten to what it means (the "no"
    //   spellings are PostgreSQL's boolean input forms for false, as in plugins/session-rule/ban.ts;
    //   anything else is a ban). PostgreSQL's boolean column already does this.
    // - When a ban comes into force (set, or re-set with a new end date, and not already in force),
    //   the 'user' feed row is written and the user's sessions are deleted (each leaving its
    //   'session' row), with the database's clock deciding whether an end date has passed.
    name: "0007_ban_in_force",
    sqlite: [
      "drop trigger if exists auth_revoke_banned_user",
      `create trigger auth_revoke_banned_user after update of banned, ban_expires on users
        when ${sqliteBanInForce("new")} and not ${sqliteBanInForce("old")} begin
        insert into auth_revocations (kind, user_id) values ('user', new.id);
        delete from user_sessions where user_id = new.id;
      end`,
      `create trigger users_banned_as_boolean_after_update after update of banned on users
        when new.banned is not null and new.banned not in (0, 1) begin
        update users set banned = ${sqliteTruthy("new.banned")} where id = new.id;
      end`,
      `create trigger users_banned_as_boolean_after_insert after insert on users
        when new.banned is not null and new.banned not in (0, 1) begin
        update users set banned = ${sqliteTruthy("new.banned")} where id = new.id;
      end`,
    ],
    postgres: [
      "drop trigger if exists auth_revoke_banned_user on users",
      `create or replace function auth_enforce_ban() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        insert into auth_revocations (kind, user_id) values ('user', new.id) returning id into rid;
        perform pg_notify('gatehouse_revocations', rid::text);
        delete from user_sessions where user_id = new.id;
        return null;
      end $$`,
      `create trigger auth_revoke_banned_user after update of banned, ban_expires on users
        for each row when (${pgBanInForce("new")} and not ${pgBanInForce("old")})
        execute function auth_enforce_ban()`,
    ],
  },
  {
    // A session ended or moved without being deleted: its expiry brought forward (an operator's
    // "expire now", or SQLite's impersonation cap rewriting what better-auth just extended), or its
    // token or owner changed. Readers that cache sessions (the auth server's Redis copy, backend
    // workers) drop their copy; the row itself still decides, so this is not a revocation.
    name: "0008_feed_session_changes",
    sqlite: [
      `create trigger if not exists auth_feed_session_changed after update of expires_at, token, user_id on user_sessions
        when new.expires_at < old.expires_at or new.token is not old.token or new.user_id is not old.user_id begin
        insert into auth_revocations (kind, user_id, session_id) values ('session_changed', old.user_id, old.id);
      end`,
    ],
    postgres: [
      `create or replace function auth_record_session_change() returns trigger language plpgsql as $$
      declare
        rid bigint;
      begin
        insert into auth_revocations (kind, user_id, session_id) values ('session_changed', old.user_id, old.id)
          returning id into rid;
        perform pg_notify('gatehouse_revocations', rid::text);
        return null;
      end $$`,
      `create trigger auth_feed_session_changed after update of expires_at, token, user_id on user_sessions
        for each row when (new.expires_at < old.expires_at or new.token is distinct from old.token
          or new.user_id is distinct from old.user_id)
        execute function auth_record_session_change()`,
    ],
  },
  {
    // What each audit row is about, for people reading the log (plugins/audit: `{from, to}` of a
    // role change, a ban's end, a deleted user's address): a JSON object as text, nullable.
    name: "0009_auth_event_details",
    sqlite: ["alter table auth_events add column details text"],
    postgres: ["alter table auth_events add column if not exists details text"],
  },
  {
    // `gatehouse import better-auth` (docs/COMING-FROM-BETTER-AUTH.md): one row per run that imported
    // something (its report as JSON), and a ledger of every imported source row, so a later run
    // neither duplicates rows nor brings back what Gatehouse deleted since (a signed-out session).
    // Start-up reads gatehouse_imports to know that a stock schema in this database was imported.
    name: "0010_import_records",
    sqlite: [
      `create table if not exists gatehouse_imports (
        id integer primary key autoincrement,
        source text not null,
        source_database text not null,
        in_place integer not null,
        finished_at text not null,
        summary text not null
      )`,
      `create table if not exists gatehouse_import_ledger (
        model text not null,
        source_id text not null,
        imported_at text not null,
        primary key (model, source_id)
      )`,
    ],
    postgres: [
      `create table if not exists gatehouse_imports (
        id bigserial primary key,
        source text not null,
        source_database text not null,
        in_place boolean not null,
        finished_at timestamptz not null,
        summary text not null
      )`,
      `create table if not exists gatehouse_import_ledger (
        model text not null,
        source_id text not null,
        imported_at timestamptz not null,
        primary key (model, source_id)
      )`,
    ],
  },
  {
    // Sessions' real last-active time (plugins/session-activity): written at most once a minute per
    // session, so two sessions of one browser can be told apart. Declared like better-auth's own
    // date columns (ISO text on SQLite); no trigger watches it.
    name: "0011_session_last_active",
    sqlite: ["alter table user_sessions add column last_active_at date"],
    postgres: ["alter table user_sessions add column if not exists last_active_at timestamptz"],
  },
  {
    // Second factors (plugins/mfa). `totp_used_codes`: TOTP codes already accepted, per user,
    // until they could no longer verify (epoch seconds), so a code works once (RFC 6238 §5.2);
    // the primary key makes a concurrent second use fail on any instance. And a step-up (a code
    // verified in a signed-in session) rewrites the session's `amr` / `auth_time`: caches of the
    // session must drop their copy, so it is a 'session_changed' feed row like 0008's.
    name: "0012_second_factors",
    sqlite: [
      `create table if not exists totp_used_codes (
        user_id text not null,
        code text not null,
        expires_at integer not null,
        primary key (user_id, code)
      )`,
      "create index if not exists totp_used_codes_expires_idx on totp_used_codes (expires_at)",
      `create trigger if not exists auth_feed_session_methods after update of amr, auth_time on user_sessions
        when new.amr is not old.amr or new.auth_time is not old.auth_time begin
        insert into auth_revocations (kind, user_id, session_id) values ('session_changed', old.user_id, old.id);
      end`,
    ],
    postgres: [
      `create table if not exists totp_used_codes (
        user_id text not null,
        code text not null,
        expires_at bigint not null,
        primary key (user_id, code)
      )`,
      "create index if not exists totp_used_codes_expires_idx on totp_used_codes (expires_at)",
      `create trigger auth_feed_session_methods after update of amr, auth_time on user_sessions
        for each row when (new.amr is distinct from old.amr or new.auth_time is distinct from old.auth_time)
        execute function auth_record_session_change()`,
    ],
  },
  {
    // The audit log read newest first (the admin event list's unfiltered page and the CSV export's
    // keyset on `(created_at, id)`, backend/app/services/events.py): without this index each page and
    // each 500-row export batch read and sorted the whole table.
    name: "0013_auth_events_time_index",
    sqlite: ["create index if not exists auth_events_created_id_idx on auth_events (created_at, id)"],
    postgres: ["create index if not exists auth_events_created_id_idx on auth_events (created_at, id)"],
  },
  {
    // An impersonation session acts on the admin's authority, so it ends with that authority: when its
    // admin is banned, loses every admin role, is deleted, or has no live session of their own left
    // (signed out everywhere, every session revoked or expired by an operator; expired rows that were never
    // deleted do not count). Deleting the rows makes every reader refuse them at once (each deletion leaves
    // its 'session' feed row for the backend and the Redis copies). Whatever the writer: better-auth's
    // endpoints, the internal admin API or an operator's SQL. The admin roles, default role and separator
    // are the contract's when this was released ("admin", "user", ","): changing them needs a new migration.
    name: "0014_impersonation_ends_with_its_admin",
    sqlite: [
      `create index if not exists user_sessions_impersonated_by_idx on user_sessions (impersonated_by)
        where impersonated_by is not null`,
      `create trigger auth_end_impersonations_of_banned after update of banned, ban_expires on users
        when ${sqliteBanInForce("new")} begin
        delete from user_sessions where impersonated_by = new.id;
      end`,
      `create trigger auth_end_impersonations_of_demoted after update of role on users
        when not ${grantsAdmin("new.role", "sqlite")} begin
        delete from user_sessions where impersonated_by = new.id;
      end`,
      `create trigger auth_end_impersonations_of_deleted after delete on users begin
        delete from user_sessions where impersonated_by = old.id;
      end`,
      `create trigger auth_end_impersonations_signed_out after delete on user_sessions
        when old.impersonated_by is null and not exists (${SQLITE_LIVE_OWN_SESSION("old.user_id")}) begin
        delete from user_sessions where impersonated_by = old.user_id;
      end`,
      `create trigger auth_end_impersonations_expired after update of expires_at on user_sessions
        when old.impersonated_by is null and new.expires_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          and not exists (${SQLITE_LIVE_OWN_SESSION("old.user_id")}) begin
        delete from user_sessions where impersonated_by = old.user_id;
      end`,
    ],
    postgres: [
      `create index if not exists user_sessions_impersonated_by_idx on user_sessions (impersonated_by)
        where impersonated_by is not null`,
      `create or replace function auth_end_impersonations() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'user_sessions' then
          if not exists (select 1 from user_sessions where user_id = old.user_id and impersonated_by is null
                           and expires_at > clock_timestamp()) then
            delete from user_sessions where impersonated_by = old.user_id;
          end if;
        else
          delete from user_sessions where impersonated_by = old.id;
        end if;
        return null;
      end $$`,
      `create trigger auth_end_impersonations_of_banned after update of banned, ban_expires on users
        for each row when (${pgBanInForce("new")}) execute function auth_end_impersonations()`,
      `create trigger auth_end_impersonations_of_demoted after update of role on users
        for each row when (not ${grantsAdmin("new.role", "postgres")}) execute function auth_end_impersonations()`,
      `create trigger auth_end_impersonations_of_deleted after delete on users
        for each row execute function auth_end_impersonations()`,
      `create trigger auth_end_impersonations_signed_out after delete on user_sessions
        for each row when (old.impersonated_by is null) execute function auth_end_impersonations()`,
      `create trigger auth_end_impersonations_expired after update of expires_at on user_sessions
        for each row when (old.impersonated_by is null and new.expires_at <= clock_timestamp())
        execute function auth_end_impersonations()`,
    ],
  },
  {
    // ...and starts only on it: an impersonation session stored when its admin is already banned, holds no
    // admin role, does not exist, or has no live session of their own is deleted as it is inserted. The
    // admin plugin checks the admin's session and role when impersonate-user begins and inserts the
    // session after; a ban, demotion or sign-out landing in between found no impersonation to end (0014)
    // and the new one would outlive it. On PostgreSQL the check reads the admin's row FOR SHARE: a ban,
    // role change or deletion of that row still uncommitted is waited for and then seen (READ COMMITTED
    // re-reads the locked row), and one that comes later waits for this insert to commit and then ends it
    // through 0014. The lock is taken on the admin's row only, after this row's own insert, so it cannot
    // form a cycle with a ban (which locks the user row, then the sessions it deletes).
    name: "0015_impersonation_starts_with_its_admin",
    sqlite: [
      `create trigger auth_impersonation_needs_its_admin after insert on user_sessions
        when new.impersonated_by is not null and not exists (
          select 1 from users a where a.id = new.impersonated_by and not ${sqliteBanInForce("a")}
            and ${grantsAdmin("a.role", "sqlite")} and exists (${SQLITE_LIVE_OWN_SESSION("a.id")})) begin
        delete from user_sessions where id = new.id;
      end`,
    ],
    postgres: [
      `create or replace function auth_impersonation_needs_its_admin() returns trigger language plpgsql as $$
      declare
        admin_row users%rowtype;
      begin
        select * into admin_row from users where id = new.impersonated_by for share;
        if not found or ${pgBanInForce("admin_row")}
           or not ${grantsAdmin("admin_row.role", "postgres")}
           or not exists (select 1 from user_sessions where user_id = admin_row.id and impersonated_by is null
                            and expires_at > clock_timestamp()) then
          delete from user_sessions where id = new.id;
        end if;
        return null;
      end $$`,
      `create trigger auth_impersonation_needs_its_admin after insert on user_sessions
        for each row when (new.impersonated_by is not null) execute function auth_impersonation_needs_its_admin()`,
    ],
  },
];
