import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import type SQLiteDriver from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import type PgDriver from "pg";
import { REPO_ROOT } from "../paths.js";
import { LikeEscapePlugin } from "./like-escape.js";
import { withStatementCache } from "./statement-cache.js";
import { reportSqliteUnavailable, reportUnavailable } from "./unavailable.js";

/** The repository root (re-exported from paths.ts, where every packaged path is resolved). */
export { REPO_ROOT };

const load = createRequire(import.meta.url);
/** better-sqlite3, loaded only by a process that uses SQLite (each driver costs memory). */
export const sqliteDriver = (): typeof SQLiteDriver => load("better-sqlite3") as typeof SQLiteDriver;
/** node-postgres, loaded only by a process that uses PostgreSQL. */
export const pgDriver = (): typeof PgDriver => load("pg") as typeof PgDriver;

/** Which engine a DATABASE_URL selects. */
export type DatabaseKind = "sqlite" | "postgres";

/** One open database: the Kysely instance better-auth and our own queries share. */
export interface Database {
  kind: DatabaseKind;
  db: Kysely<any>;
  /** Cheap liveness probe for /health. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Resolves `sqlite:./data/x.db` (relative to the repo root) or `sqlite:/abs/x.db` to a file path. */
export function sqlitePath(url: string): string {
  const raw = url.replace(/^sqlite:(\/\/)?/, "");
  if (raw === ":memory:") return raw;
  return isAbsolute(raw) ? raw : resolve(REPO_ROOT, raw);
}

export function databaseKind(url: string): DatabaseKind {
  return url.startsWith("sqlite:") ? "sqlite" : "postgres";
}

/**
 * Opens the database named by DATABASE_URL. SQLite runs in WAL mode with a busy timeout so the
 * backend can read while the auth server writes; PostgreSQL uses a pooled `pg` client.
 */
export function openDatabase(url: string, { poolSize = 10 }: { poolSize?: number } = {}): Database {
  if (databaseKind(url) === "sqlite") {
    const file = sqlitePath(url);
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const SQLite = sqliteDriver();
    const conn = new SQLite(file);
    conn.pragma("journal_mode = WAL");
    conn.pragma("busy_timeout = 5000");
    conn.pragma("foreign_keys = ON");
    conn.pragma("synchronous = NORMAL");
    const db = new Kysely<any>({
      dialect: new SqliteDialect({ database: reportSqliteUnavailable(withStatementCache(conn)) }),
      plugins: [new LikeEscapePlugin()],
    });
    return {
      kind: "sqlite",
      db,
      async ping() {
        try {
          conn.prepare("select 1").get();
          return true;
        } catch {
          return false;
        }
      },
      async close() {
        await db.destroy();
      },
    };
  }
  const pool = new (pgDriver().Pool)({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client that dies (server restart) must not crash the process.
  pool.on("error", () => {});
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: reportUnavailable(pool) }),
    plugins: [new LikeEscapePlugin()],
  });
  return {
    kind: "postgres",
    db,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
