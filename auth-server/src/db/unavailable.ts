import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, MiddlewareHandler } from "hono";
import type { PostgresPool, PostgresPoolClient, SqliteDatabase, SqliteStatement } from "kysely";
import type pg from "pg";
import { ErrorCode } from "../contract.gen.js";
import type { ErrorBody } from "../errors.js";
import { pgDriver } from "./database.js";

/**
 * "The database cannot serve right now" (issue 12 item 12): answered 503 DATABASE_UNAVAILABLE with
 * Retry-After, never 500, because the condition is temporary and the same request succeeds once it
 * ends. The backend applies the same rule (backend/app/core/db.py).
 *
 * Failures are recognised where they happen, in the connections Kysely is given, so a refused SMTP
 * or Redis connection elsewhere is never mistaken for one:
 * - PostgreSQL (`reportUnavailable`): connection refused / reset / timed out, host unknown or
 *   unreachable, pg's "Connection terminated…", pg-pool's connect timeout, and SQLSTATE classes 08
 *   (connection exception), 53 (insufficient resources, e.g. too many connections), 57014
 *   (a statement_timeout the operator set on the role, or a cancel), 57P01–57P03 (shutdown, crash,
 *   starting up; PostgreSQL Appendix A), and pg's "Query read timeout" (no answer within
 *   DATABASE_STATEMENT_TIMEOUT_SECONDS, db/database.ts `postgresPool`);
 * - SQLite (`reportSqliteUnavailable`, and better-sqlite3's codes anywhere): BUSY past
 *   busy_timeout, LOCKED, CANTOPEN, IOERR*, FULL.
 * better-auth catches some database errors and answers its own 500 (FAILED_TO_GET_SESSION, …)
 * without the cause, so each failure is also noted for the request it happened in, and
 * `answerDatabaseOutages` turns that request's error answer into the 503.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/** Seconds a client is told to wait (Retry-After) after a 503 for an unavailable database. */
export const DATABASE_RETRY_AFTER_S = 5;

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const PG_SQLSTATE = /^(08|53|57014$|57P0[123])/;
/** pg's message when `query_timeout` passes with no answer (pg/lib/client.js). */
export const READ_TIMEOUT = "Query read timeout";
const PG_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  READ_TIMEOUT,
];
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL)/;

/** Per request: whether a database operation failed for unavailability while serving it. */
const outage = new AsyncLocalStorage<{ seen: boolean }>();

function isPostgresConnectionFailure(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || PG_SQLSTATE.test(e.code))) return true;
  if (typeof e.message === "string" && PG_MESSAGES.some((m) => (e.message as string).startsWith(m))) return true;
  // net.connect on a dual-stack host reports every failed address at once.
  return Array.isArray(e.errors) && e.errors.some(isPostgresConnectionFailure);
}

function isSqliteUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && SQLITE_CODE.test(code);
}

function noted(err: unknown, unavailable: boolean): unknown {
  if (!unavailable) return err;
  const store = outage.getStore();
  if (store) store.seen = true;
  return err instanceof DatabaseUnavailableError
    ? err
    : new DatabaseUnavailableError("The database is unavailable.", { cause: err });
}

/** `err` from a PostgreSQL client, as DatabaseUnavailableError when it means the server cannot be reached. */
export function namePostgresError(err: unknown): unknown {
  return noted(err, isPostgresConnectionFailure(err));
}

/** `err` from better-sqlite3, as DatabaseUnavailableError when the file is busy, locked or unreadable. */
export function nameSqliteError(err: unknown): unknown {
  return noted(err, isSqliteUnavailable(err));
}

/** What `cancelStatement` reads of a connected pg client (pg/lib/client.js; not in @types/pg). */
interface CancellableClient {
  host?: string;
  port?: number;
  processID?: number | null;
  secretKey?: number | null;
}

/** The part of pg's protocol connection `cancelStatement` uses (pg/lib/connection.js). */
interface CancelConnection {
  stream: { destroy(): void };
  on(event: "connect" | "end" | "error", listener: () => void): unknown;
  connect(portOrPath: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

/**
 * Asks PostgreSQL to cancel the statement `client` is running: a CancelRequest on a connection of its
 * own with the backend's key (PostgreSQL protocol, "Canceling Requests in Progress"; pg's
 * `Connection.cancel`, as its `Client.cancel` sends it). For a statement the client stopped waiting
 * for (`query_timeout`): without it the server runs the statement to its end — a write blocked on a
 * lock would apply after its request was answered 503, and every retry would leave another backend
 * waiting. Resolves once the server has closed that connection (it has taken the request), or after
 * 5 s, or on any error (best effort: the client connection is discarded either way). A pooler such as
 * PgBouncer matches a cancel to a client connection it still holds, so `releaseAfterCancel` gives the
 * client back only afterwards. Sent without TLS, as pg and libpq before PostgreSQL 17 send it.
 */
export function cancelStatement(client: unknown): Promise<void> {
  const { host, port, processID, secretKey } = client as CancellableClient;
  if (!host || !port || processID == null || secretKey == null) return Promise.resolve();
  const Connection = (pgDriver() as unknown as { Connection: new () => CancelConnection }).Connection;
  const con = new Connection();
  return new Promise<void>((done) => {
    // The server closes this connection once it has taken the request: that is when it is done.
    const bound = setTimeout(() => {
      con.stream.destroy();
      done();
    }, 5000);
    bound.unref();
    const finish = (): void => {
      clearTimeout(bound);
      done();
    };
    con.on("error", finish);
    con.on("end", finish);
    con.on("connect", () => con.cancel(processID, secretKey));
    if (host.startsWith("/")) con.connect(`${host}/.s.PGSQL.${port}`);
    else con.connect(port, host);
  });
}

/**
 * Gives back a pool client whose statement timed out: only once its cancel request is through (or
 * given up), since a pooler (PgBouncer) matches a cancel to a client connection it still has, and
 * with the error, so pg-pool ends the connection instead of reusing it. Until then the client keeps
 * a listener for its errors: a connection that fails while checked out would otherwise emit an
 * unhandled 'error' and end the process.
 */
export function releaseAfterCancel(client: pg.PoolClient, error: Error, onErrorListener?: () => void): void {
  const ignore = onErrorListener ?? ((): void => {});
  if (!onErrorListener) client.on("error", ignore);
  void cancelStatement(client).finally(() => {
    client.off("error", ignore);
    client.release(error);
  });
}

/** `pool` for Kysely's PostgresDialect, with connection failures thrown as DatabaseUnavailableError. */
export function reportUnavailable(pool: pg.Pool): PostgresPool {
  const name = namePostgresError;
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw name(err);
      }
      // pg-pool listens for errors of idle clients only; one that fails while checked out would
      // emit an unhandled 'error' and end the process. Its query is rejected with the error anyway.
      const ignore = (): void => {};
      client.on("error", ignore);
      // A query that timed out on the client left its answer owed on this connection (pg keeps the
      // query active): anything asked after it (a transaction's ROLLBACK) would queue behind it for
      // another full limit, so it fails at once; on release it is cancelled on the server and the
      // connection ended (`releaseAfterCancel`).
      let timedOut: Error | undefined;
      const query = (...args: unknown[]): unknown => {
        if (timedOut) return Promise.reject(name(timedOut));
        const result = (client.query as (...a: unknown[]) => unknown)(...args);
        return result instanceof Promise
          ? result.catch((err) => {
              if ((err as Error | undefined)?.message === READ_TIMEOUT && !timedOut) timedOut = err as Error;
              return Promise.reject(name(err));
            })
          : result;
      };
      return {
        query: query as PostgresPoolClient["query"],
        release: () => {
          if (timedOut) return releaseAfterCancel(client, timedOut, ignore);
          client.off("error", ignore);
          client.release();
        },
      };
    },
    end: () => pool.end(),
  };
}

/** `database` for Kysely's SqliteDialect, noting BUSY / LOCKED / CANTOPEN / IOERR / FULL failures. */
export function reportSqliteUnavailable(database: SqliteDatabase): SqliteDatabase {
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (err) {
      throw noted(err, isSqliteUnavailable(err));
    }
  };
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const statement = guard(() => database.prepare(sql));
      return {
        get reader() {
          return statement.reader;
        },
        all: (parameters) => guard(() => statement.all(parameters)),
        run: (parameters) => guard(() => statement.run(parameters)),
        iterate: (parameters) => guard(() => statement.iterate(parameters)),
      };
    },
  };
}

/** Whether `err` (or anything in its `cause` chain) means the database is unavailable. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DatabaseUnavailableError || isSqliteUnavailable(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The 503 every database outage is answered with. */
export function databaseUnavailableResponse(): Response {
  const body: ErrorBody = {
    code: ErrorCode.DATABASE_UNAVAILABLE,
    message: "The database is unavailable; try again shortly.",
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { "Content-Type": "application/json", "Retry-After": String(DATABASE_RETRY_AFTER_S) },
  });
}

/** Headers of the replaced answer that must not survive into the 503: it hands out and clears nothing. */
const DROPPED = ["set-cookie", "set-auth-token", "set-auth-jwt", "location", "content-length", "content-type"];

/**
 * Hono middleware: a request during which the database failed for unavailability is answered 503
 * DATABASE_UNAVAILABLE whatever better-auth made of the failure — its 500 FAILED_TO_GET_SESSION, a
 * 401 for a session it could not read, or a 200 from a sign-out whose session was never deleted
 * (which would have cleared the cookie of a session that stays valid). The headers of the inner
 * middleware (CORS, security) are kept; cookies, tokens and redirects are not.
 */
export function answerDatabaseOutages(onOutage?: (c: Context, status: number) => void): MiddlewareHandler {
  return async function answerDatabaseOutagesMiddleware(c, next) {
    const state = { seen: false };
    await outage.run(state, next);
    if (!state.seen || c.res.status === 503) return;
    onOutage?.(c, c.res.status);
    const headers = new Headers(c.res.headers);
    for (const name of DROPPED) headers.delete(name);
    const answer = databaseUnavailableResponse();
    for (const [name, value] of answer.headers) headers.set(name, value);
    c.res = undefined;
    c.res = new Response(answer.body, { status: 503, headers });
  };
}
