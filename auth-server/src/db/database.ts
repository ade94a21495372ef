import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import type SQLiteDriver from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import type PgDriver from "pg";
import { REPO_ROOT } from "../paths.js";
import { LikeEscapePlugin } from "./like-escape.js";
import { withStatementCache } from "./statement-cache.js";
import { READ_TIMEOUT, releaseAfterCancel, reportSqliteUnavailable, reportUnavailable } from "./unavailable.js";

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
  /**
   * PostgreSQL: seconds a statement may run (server side) before it fails; 0 for no limit. Pools of
   * the same database (the fast session lookups) take the same limit (`postgresPool`). SQLite: 0.
   */
  statementTimeoutSeconds: number;
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
 * A `pg` pool on `url` with Gatehouse's limits, so a database that does not answer is an outage
 * (503, db/unavailable.ts) rather than a request that hangs until TCP gives up:
 * - connecting: 5 s (`connectionTimeoutMillis`);
 * - a statement: `statementTimeoutSeconds` (pg's `query_timeout`: past it the client stops waiting,
 *   for a slow statement as for a server that stalled or a network gone silent, asks the server to
 *   cancel the statement and discards the connection: `queryPool`, db/unavailable.ts
 *   `reportUnavailable`). 0 turns it off. The limit is the client's
 *   alone: PostgreSQL's own `statement_timeout` sent as a startup parameter would be refused by
 *   PgBouncer ("unsupported startup parameter"), the transaction pooler DEPLOYMENT.md allows; an
 *   operator who wants the server to end runaway statements too sets it on the role
 *   (`ALTER ROLE … SET statement_timeout`), whose 57014 is answered 503 as well.
 * An idle connection that dies (server restart) must not crash the process: its error is ignored
 * and it is replaced on next use.
 */
export function postgresPool(
  url: string,
  { statementTimeoutSeconds, ...options }: { statementTimeoutSeconds: number } & PgDriver.PoolConfig,
): PgDriver.Pool {
  const timeouts = statementTimeoutSeconds > 0 ? { query_timeout: statementTimeoutSeconds * 1000 } : {};
  const pool = new (pgDriver().Pool)({ connectionString: url, connectionTimeoutMillis: 5000, ...timeouts, ...options });
  pool.on("error", () => {});
  return pool;
}

/**
 * `pool.query(config)`, except that a statement the client stopped waiting for is cancelled on the
 * server too (`cancelStatement`) and its connection discarded.
 */
export async function queryPool<R extends unknown[]>(
  pool: PgDriver.Pool,
  config: PgDriver.QueryArrayConfig,
): Promise<PgDriver.QueryArrayResult<R>> {
  const client = await pool.connect();
  // pg-pool listens for errors of idle clients only (pool.query adds a listener for its query): one
  // that fails while checked out would emit an unhandled 'error' and end the process.
  const ignore = (): void => {};
  client.on("error", ignore);
  try {
    const result = await client.query<R>(config);
    client.off("error", ignore);
    client.release();
    return result;
  } catch (err) {
    if ((err as Error | undefined)?.message === READ_TIMEOUT) releaseAfterCancel(client, err as Error, ignore);
    else {
      client.off("error", ignore);
      client.release(err as Error);
    }
    throw err;
  }
}

/**
 * Opens the database named by DATABASE_URL. SQLite runs in WAL mode with a busy timeout so the
 * backend can read while the auth server writes; PostgreSQL uses a pooled `pg` client
 * (`postgresPool`: `statementTimeoutSeconds`, DATABASE_STATEMENT_TIMEOUT_SECONDS, 0 = none).
 */
export function openDatabase(
  url: string,
  { poolSize = 10, statementTimeoutSeconds = 0 }: { poolSize?: number; statementTimeoutSeconds?: number } = {},
): Database {
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
      statementTimeoutSeconds: 0,
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
  const pool = postgresPool(url, { max: poolSize, statementTimeoutSeconds });
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: reportUnavailable(pool) }),
    plugins: [new LikeEscapePlugin()],
  });
  return {
    kind: "postgres",
    db,
    statementTimeoutSeconds,
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
      // Kysely ends the pool only if it ever used it (a process that migrated on its own connections
      // may not have): end it here, so the database is closed whatever ran before.
      if (!pool.ended) await pool.end();
    },
  };
}
