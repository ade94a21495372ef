import type { AuthContext } from "better-auth";
import type SQLite from "better-sqlite3";
import DataLoader from "dataloader";
import { CompiledQuery } from "kysely";
import type pg from "pg";
import { type Database, postgresPool, queryPool, sqliteDriver, sqlitePath } from "../../db/database.js";
import { isDatabaseUnavailable, namePostgresError, nameSqliteError } from "../../db/unavailable.js";

/** A session and its user as better-auth's adapter hands them to `findSession` (before output filtering). */
export interface FoundSession {
  session: Record<string, unknown>;
  user: Record<string, unknown>;
}

/** How one model field is read: its key in better-auth's objects, its column, its type. */
interface FieldRead {
  key: string;
  column: string;
  type: string;
  /** `id`, or a reference to an id: better-auth's adapter stringifies these. */
  isId: boolean;
}

/** Field types the fast path converts exactly as better-auth's Kysely adapter does. */
const PLAIN_TYPES = new Set(["string", "number", "boolean", "date"]);

type Tables = AuthContext["tables"];

/**
 * The fields of a model in better-auth's own order (schema order, then `id`, as its adapter's
 * output transform builds objects), or null when a field needs a conversion the fast path does
 * not reproduce (JSON, arrays, custom output transforms): then the fast path stays off.
 */
function fieldsOf(tables: Tables, model: "session" | "user"): FieldRead[] | null {
  const out: FieldRead[] = [];
  const table = tables[model];
  if (!table) return null;
  for (const [key, field] of Object.entries(table.fields)) {
    if (key === "id") continue;
    if (!PLAIN_TYPES.has(String(field.type)) || field.transform?.output) return null;
    out.push({ key, column: field.fieldName || key, type: String(field.type), isId: field.references?.field === "id" });
  }
  out.push({ key: "id", column: "id", type: "string", isId: true });
  return out;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The single lookup query and how to turn its row into better-auth's objects. */
export interface LookupPlan {
  /** SQLite: the session with token `?`; PostgreSQL: the sessions whose token is in the array `$1`. */
  sql: (kind: Database["kind"]) => string;
  session: FieldRead[];
  user: FieldRead[];
  /** Where the session's token is in a row. */
  tokenIndex: number;
}

/** The plan for this better-auth configuration, or null when the fast path cannot reproduce it. */
export function lookupPlan(tables: Tables): LookupPlan | null {
  const session = fieldsOf(tables, "session");
  const user = fieldsOf(tables, "user");
  const sessionTable = tables.session;
  const userTable = tables.user;
  const tokenIndex = session?.findIndex((f) => f.key === "token") ?? -1;
  if (!session || !user || !sessionTable || !userTable || tokenIndex < 0) return null;
  const userIdColumn = sessionTable.fields.userId?.fieldName || "userId";
  const tokenColumn = sessionTable.fields.token?.fieldName || "token";
  const select = [
    ...session.map((f, i) => `s.${quote(f.column)} as s${i}`),
    ...user.map((f, i) => `u.${quote(f.column)} as u${i}`),
  ].join(", ");
  return {
    session,
    user,
    tokenIndex,
    sql: (kind) =>
      `select ${select} from ${quote(sessionTable.modelName)} s join ${quote(userTable.modelName)} u ` +
      `on u.id = s.${quote(userIdColumn)} where s.${quote(tokenColumn)} = ${kind === "postgres" ? "any($1)" : "?"}`,
  };
}

/**
 * One column value as better-auth's Kysely adapter returns it (`transformOutput` with the
 * dialect's capabilities: SQLite has no dates or booleans, so ISO text becomes a Date and a
 * number becomes `=== 1`; PostgreSQL's driver already returns both; ids are stringified).
 */
function fromColumn(value: unknown, field: FieldRead, kind: Database["kind"]): unknown {
  if (field.isId) return value === null || value === undefined ? value : String(value);
  if (kind === "sqlite") {
    if (field.type === "date" && typeof value === "string") return new Date(value);
    if (field.type === "boolean" && typeof value === "number") return value === 1;
  }
  return value;
}

/** `fields` from `row`, starting at column `first`, as better-auth's adapter would return them. */
function objectFrom(row: unknown[], first: number, fields: FieldRead[], kind: Database["kind"]) {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as FieldRead;
    out[f.key] = fromColumn(row[first + i], f, kind);
  }
  return out;
}

/** The lookup's row: its columns in select order (the session's fields, then the user's). */
type RowLookup = (token: string) => Promise<unknown[] | undefined>;

/** Most lookups one database round trip carries (PostgreSQL: the length of the token array). */
const MAX_BATCH = 100;

/**
 * The lookups asked for in one turn of the event loop, answered together in that turn's check
 * phase (`setImmediate`), i.e. after every socket read in the turn has been parsed and routed.
 *
 * Why: answering each request as its socket is read interleaves reads and writes, and on a loaded
 * server each response's `writev` paid for waking the client up again; with the turn's responses
 * written together, a 50-connection get-session cost 125–159 µs of CPU instead of 207–221 (SQLite) and
 * 421 (PostgreSQL, where the turn's lookups are also one query instead of one round trip each;
 * bench/PROFILE.md). An idle server answers in the same turn as before, so a lone request waits
 * for nothing. Not a cache: DataLoader's memoisation is off, each batch reads the database, and
 * nothing is kept between batches, so a revoked session is refused by the next request.
 *
 * @param batch reads the sessions of `tokens`, in order (undefined where none; an Error fails only that load)
 * @param name the database's error naming (`nameSqliteError` / `namePostgresError`), applied per failed load
 */
function perLoopTurn(
  batch: (tokens: readonly string[]) => Promise<ReadonlyArray<unknown[] | undefined | Error>>,
  name: (err: unknown) => unknown,
): RowLookup {
  const loader = new DataLoader<string, unknown[] | undefined>(batch, {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
  // A failure is named here, in the asking request's own async context: naming an outage marks the
  // request that met it (db/unavailable.ts), and inside the batch that would be whichever request
  // opened the batch, turning its good answer into a 503.
  return (token) => loader.load(token).catch((err: unknown) => Promise.reject(name(err)));
}

/**
 * The query runner, batched per event-loop turn (perLoopTurn). On SQLite the statement is prepared
 * once, on a connection of its own to the same WAL file (readers never block the writer), and run
 * once per token of the batch; through Kysely each call would prepare it again, which costs four
 * times the query. On PostgreSQL the batch is one named prepared statement (`token = any($1)`) on a
 * small pool of its own. (An in-memory SQLite database can only be read through the shared
 * connection: one Kysely query per lookup.)
 */
function rowLookup(database: Database, databaseUrl: string, sql: string, tokenIndex: number): RowLookup {
  const file = database.kind === "sqlite" ? sqlitePath(databaseUrl) : ":memory:";
  if (database.kind === "sqlite" && file !== ":memory:") {
    let statement: SQLite.Statement<[string], unknown[]> | null = null;
    const one = (token: string): unknown[] | undefined => {
      if (!statement) {
        // Opened on first use: the file exists by then (migrations ran), and idle test apps open nothing.
        const conn = new (sqliteDriver())(file, { fileMustExist: true });
        conn.pragma("busy_timeout = 5000");
        conn.pragma("query_only = true");
        // Rows as arrays: no object with named keys built per request only to be read by position.
        statement = conn.prepare<[string], unknown[]>(sql).raw(true);
      }
      return statement.get(token);
    };
    // A busy, locked or unreadable file is an outage (503), as on every other database path; once
    // met, the rest of the batch fails the same way at once instead of each lookup waiting out the
    // busy timeout on the event loop.
    return perLoopTurn(async (tokens) => {
      let unavailable: Error | null = null;
      return tokens.map((token) => {
        if (unavailable) return unavailable;
        try {
          return one(token);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          if (isDatabaseUnavailable(error)) unavailable = error;
          return error;
        }
      });
    }, nameSqliteError);
  }
  if (database.kind === "postgres") {
    let pool: pg.Pool | null = null;
    return perLoopTurn(async (tokens) => {
      // A small pool of its own, so the lookup can be a named (server-side prepared) statement:
      // PostgreSQL parses and plans it once per connection instead of on every request.
      if (!pool) {
        // The shared pool's limits (db/database.ts `postgresPool`): a server that does not answer, on
        // connect or mid-query, is an outage (503), not a hang; a dead idle connection is replaced.
        pool = postgresPool(databaseUrl, {
          max: 4,
          statementTimeoutSeconds: database.statementTimeoutSeconds,
          idleTimeoutMillis: 10_000,
          allowExitOnIdle: true,
        });
      }
      const result = await queryPool<unknown[]>(pool, {
        name: "gatehouse_fast_session_v3",
        text: sql,
        values: [tokens],
        rowMode: "array",
      });
      // Tokens are unique (better-auth's schema): at most one row each.
      const byToken = new Map(result.rows.map((row) => [row[tokenIndex], row]));
      return tokens.map((token) => byToken.get(token));
    }, namePostgresError);
  }
  return async (token) => {
    const row = (await database.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(sql, [token]))).rows[0];
    // The aliases (s0…, u0…) are not integer-like, so the row's keys keep the select order.
    return row && Object.values(row);
  };
}

/** better-auth's secondary-storage reads (`get`), as configured (Gatehouse's guarded Redis storage). */
export interface SessionStore {
  get(key: string): Promise<unknown> | unknown;
}

/** ISO 8601 UTC text, which better-auth's `safeJSONParse` turns back into a Date (core/utils/json). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

function parseCached(raw: unknown): FoundSession | null {
  if (typeof raw !== "string") return null;
  try {
    return JSON.parse(raw, (_, v) => {
      if (typeof v !== "string" || !ISO_UTC.test(v)) return v;
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d;
    }) as FoundSession | null;
  } catch {
    return null;
  }
}

/** Where the lookup reads from. */
export interface LookupSources {
  database: Database;
  databaseUrl: string;
  plan: LookupPlan;
  /** better-auth's secondary storage, when configured (sessions are read there first). */
  store?: SessionStore;
}

/**
 * What `internalAdapter.findSession(token)` returns (better-auth 1.7 db/internal-adapter), before
 * output filtering: with secondary storage, the cached copy when there is one (refused when the
 * user's `revoked-sessions-before` cut-off is later than its creation), else the database row
 * joined with its user. Returns `undefined` where better-auth would find nothing or where the
 * answer is not the plain case (an unreadable cached copy): the caller leaves those to better-auth.
 */
export function createSessionLookup({
  database,
  databaseUrl,
  plan,
  store,
}: LookupSources): (token: string) => Promise<FoundSession | undefined> {
  const rows = rowLookup(database, databaseUrl, plan.sql(database.kind), plan.tokenIndex);
  const fromDatabase = async (token: string): Promise<FoundSession | undefined> => {
    const row = await rows(token);
    if (!row) return undefined;
    return {
      session: objectFrom(row, 0, plan.session, database.kind),
      user: objectFrom(row, plan.session.length, plan.user, database.kind),
    };
  };
  if (!store) return fromDatabase;
  return async (token) => {
    const raw = await store.get(token);
    if (raw === null || raw === undefined) return fromDatabase(token);
    const cached = parseCached(raw);
    if (!cached?.session || !cached.user) return undefined;
    const revokedBefore = Number(await store.get(`revoked-sessions-before-${String(cached.session.userId)}`));
    if (new Date(cached.session.createdAt as string).getTime() < revokedBefore) return undefined;
    const date = (v: unknown) => new Date(v as string);
    return {
      session: {
        ...cached.session,
        expiresAt: date(cached.session.expiresAt),
        createdAt: date(cached.session.createdAt),
        updatedAt: date(cached.session.updatedAt),
      },
      user: { ...cached.user, createdAt: date(cached.user.createdAt), updatedAt: date(cached.user.updatedAt) },
    };
  };
}
