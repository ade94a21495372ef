import { existsSync } from "node:fs";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { type DatabaseKind, databaseKind, sqlitePath } from "../../db/database.js";

/** The database an import reads from when it is not Gatehouse's own. */
export interface SourceDatabase {
  kind: DatabaseKind;
  db: Kysely<any>;
  close(): Promise<void>;
}

/** A source URL that cannot be opened: the message says why. */
export class SourceError extends Error {
  override name = "SourceError";
}

/** `sqlite:<path>` or `postgres://…`, as DATABASE_URL takes. @throws SourceError for anything else. */
export function checkSourceUrl(url: string): void {
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(url))
    throw new SourceError(`--from must be sqlite:<path> or postgres://…, not "${redactUrl(url)}"`);
}

/**
 * Opens a second database read-only: SQLite with `readonly` (the file must exist; nothing, not even
 * the journal mode, is changed), PostgreSQL with one pooled connection whose transactions default to
 * READ ONLY.
 */
export function openSource(url: string): SourceDatabase {
  checkSourceUrl(url);
  if (databaseKind(url) === "sqlite") {
    const file = sqlitePath(url);
    if (!existsSync(file)) throw new SourceError(`--from: no SQLite file at ${file}`);
    const conn = new SQLite(file, { readonly: true, fileMustExist: true });
    conn.pragma("busy_timeout = 5000");
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: conn }) });
    return { kind: "sqlite", db, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: 5000,
    options: "-c default_transaction_read_only=on",
  });
  pool.on("error", () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { kind: "postgres", db, close: () => db.destroy() };
}

/** The URL without its password, for reports and the import record. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, "$1:***@");
}

/**
 * True when `from` names Gatehouse's own database, so the import reads and writes one connection
 * (required for SQLite, whose single connection a transaction holds).
 */
export function sameDatabase(from: string, databaseUrl: string): boolean {
  if (databaseKind(from) !== databaseKind(databaseUrl)) return false;
  if (databaseKind(from) === "sqlite") return sqlitePath(from) === sqlitePath(databaseUrl);
  const key = (u: string) => {
    const p = new URL(u.replace(/^postgresql:/, "postgres:"));
    return `${p.hostname}:${p.port || "5432"}/${decodeURIComponent(p.pathname.slice(1))}`;
  };
  return key(from) === key(databaseUrl);
}
