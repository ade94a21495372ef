import SQLite from "better-sqlite3";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlitePath } from "../src/db/database.js";
import { MIGRATION_LOCK_ID } from "../src/db/migrate.js";
import { DatabaseUnavailableError } from "../src/db/unavailable.js";
import { loadEnv } from "../src/env.js";
import { createGatehouse, type Gatehouse } from "../src/gatehouse.js";
import { createLogger } from "../src/logger.js";
import { freshDatabaseUrl, ORIGIN, STRONG_PASSWORD, signUpVerified, TEST_SECRET, type TestServer } from "./harness.js";
import { TcpProxy } from "./support/tcp-proxy.js";
import { eventually } from "./support/wait.js";

/**
 * Issue 12 item 12: while the database cannot serve, every database-backed route answers 503
 * DATABASE_UNAVAILABLE with Retry-After (never 500, never a misleading 401/422), and service
 * resumes by itself once it is back. PostgreSQL: the server is reached through a TCP proxy the test
 * cuts (connections reset, new ones refused) and restores. SQLite: another process holds the write
 * lock past busy_timeout, so writes (sign-in creates a session) cannot proceed; reads still can.
 */

async function start(
  databaseUrl: string,
  settings: Record<string, string> = {},
): Promise<{ gh: Gatehouse; s: Pick<TestServer, "call" | "outbox"> }> {
  const env = loadEnv({
    ...settings,
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: TEST_SECRET,
    BETTER_AUTH_URL: "http://localhost:3000",
    FRONTEND_URL: ORIGIN,
    LOG_LEVEL: "silent",
  });
  const gh = createGatehouse(env, { logger: createLogger("silent") });
  await gh.migrate();
  const outbox = gh.mailer as TestServer["outbox"];
  const call: TestServer["call"] = (path, init = {}) => {
    const { json, headers, ...rest } = init;
    const h = new Headers(headers);
    if (json !== undefined) h.set("Content-Type", "application/json");
    if (!h.has("Origin")) h.set("Origin", ORIGIN);
    const body = json !== undefined ? JSON.stringify(json) : rest.body;
    return Promise.resolve(gh.app.request(path, { ...rest, headers: h, body }));
  };
  return { gh, s: { call, outbox } };
}

function expectUnavailable(res: Response, body: { code?: string }, what: string): void {
  expect([what, res.status, body.code]).toEqual([what, 503, "DATABASE_UNAVAILABLE"]);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
}

/** A Gatehouse on a fresh PostgreSQL database reached through a TCP proxy the test controls. */
async function startProxied(settings: Record<string, string> = {}): Promise<{
  proxy: TcpProxy;
  gh: Gatehouse;
  s: Pick<TestServer, "call" | "outbox">;
  drop: () => Promise<void>;
  directUrl: string;
}> {
  const db = await freshDatabaseUrl("postgres");
  const target = new URL(db.url);
  const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
  target.port = String(proxy.port);
  const { gh, s } = await start(target.toString(), settings);
  return { proxy, gh, s, drop: db.drop, directUrl: db.url };
}

describe("a PostgreSQL outage", () => {
  let proxy: TcpProxy;
  let gh: Gatehouse;
  let s: Pick<TestServer, "call" | "outbox">;
  let drop: () => Promise<void>;

  let directUrl: string;

  beforeAll(async () => {
    ({ proxy, gh, s, drop, directUrl } = await startProxied());
  });
  afterAll(async () => {
    await gh.close();
    await proxy.cut();
    await drop();
  });

  it("answers 503 with Retry-After on every database-backed route, then recovers", async () => {
    const user = await signUpVerified(s as TestServer, "outage@example.com");
    const bearer = { Authorization: `Bearer ${user.token}` };
    const requests: Array<[string, string, RequestInit & { json?: unknown }]> = [
      ["get-session", "/api/auth/get-session", { headers: bearer }],
      ["get-session (cookie)", "/api/auth/get-session", { headers: { Cookie: user.cookie } }],
      ["me", "/api/auth/me", { headers: bearer }],
      ["token", "/api/auth/token", { headers: bearer }],
      ["list-sessions", "/api/auth/list-sessions", { headers: bearer }],
      ["sessions", "/api/auth/sessions", { headers: bearer }],
      [
        "sign-in",
        "/api/auth/sign-in/email",
        { method: "POST", json: { email: "outage@example.com", password: STRONG_PASSWORD } },
      ],
      [
        "sign-up",
        "/api/auth/sign-up/email",
        { method: "POST", json: { email: "new@example.com", password: STRONG_PASSWORD, name: "N" } },
      ],
      ["reset", "/api/auth/request-password-reset", { method: "POST", json: { email: "outage@example.com" } }],
      ["update-user", "/api/auth/update-user", { method: "POST", json: { name: "Renamed" }, headers: bearer }],
      ["sign-out", "/api/auth/sign-out", { method: "POST", headers: bearer }],
    ];
    await proxy.cut();
    try {
      for (const [what, path, init] of requests) {
        const res = await s.call(path, init);
        expectUnavailable(res, (await res.json().catch(() => ({}))) as { code?: string }, what);
        // Nothing is handed out or cleared: a sign-out that did not happen must not drop the cookie.
        expect([what, res.headers.getSetCookie(), res.headers.get("set-auth-token")]).toEqual([what, [], null]);
      }
    } finally {
      await proxy.restore();
    }
    await eventually(
      async () => (await s.call("/api/auth/get-session", { headers: bearer })).status === 200,
      15_000,
      "get-session after the database came back",
    );
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "outage@example.com", password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(200);
  }, 60_000);
  it("answers 503 when the connection of a fast lookup breaks while it waits, and keeps running", async () => {
    const user = await signUpVerified(s as TestServer, "broken-lookup@example.com");
    const blocker = new pg.Client({ connectionString: directUrl }); // not through the proxy
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("lock table user_sessions in access exclusive mode");
      const answer = s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${user.token}` } });
      await eventually(
        async () =>
          ((
            await blocker.query(
              `select 1 from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()
                 and query like '%user_sessions%'`,
            )
          ).rowCount ?? 0) > 0,
        10_000,
        "the lookup waiting on the lock",
      );
      await proxy.cut(); // the lookup's connection is reset under it
      const res = await answer;
      expectUnavailable(res, (await res.json().catch(() => ({}))) as { code?: string }, "get-session");
    } finally {
      await blocker.query("rollback").catch(() => {});
      await blocker.end();
      await proxy.restore();
    }
    await eventually(
      async () =>
        (await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${user.token}` } })).status === 200,
      15_000,
      "get-session after the connection came back",
    );
  }, 60_000);
});

describe("a PostgreSQL that stops answering", () => {
  // The server hangs, or the network goes silent: connections stay open and nothing comes back, so
  // nothing fails by itself (no reset, no refusal) until TCP gives up, many minutes later.
  let proxy: TcpProxy;
  let gh: Gatehouse;
  let s: Pick<TestServer, "call" | "outbox">;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ proxy, gh, s, drop } = await startProxied({ DATABASE_STATEMENT_TIMEOUT_SECONDS: "1" }));
  });
  afterAll(async () => {
    proxy.resume();
    await gh.close();
    await proxy.cut();
    await drop();
  });

  it("answers 503 with Retry-After instead of hanging, then recovers", async () => {
    const user = await signUpVerified(s as TestServer, "stalled@example.com");
    const bearer = { Authorization: `Bearer ${user.token}` };
    // Both pools hold an open connection, so the requests below meet a silent server mid-query.
    expect((await s.call("/api/auth/get-session", { headers: bearer })).status).toBe(200);
    const requests: Array<[string, string, RequestInit & { json?: unknown }]> = [
      ["get-session", "/api/auth/get-session", { headers: bearer }],
      ["get-session (cookie)", "/api/auth/get-session", { headers: { Cookie: user.cookie } }],
      ["list-sessions", "/api/auth/list-sessions", { headers: bearer }],
      [
        "sign-in",
        "/api/auth/sign-in/email",
        { method: "POST", json: { email: "stalled@example.com", password: STRONG_PASSWORD } },
      ],
      ["update-user", "/api/auth/update-user", { method: "POST", json: { name: "Renamed" }, headers: bearer }],
    ];
    proxy.stall();
    try {
      await Promise.all(
        requests.map(async ([what, path, init]) => {
          let hung: NodeJS.Timeout | undefined;
          const res = await Promise.race([
            s.call(path, init),
            new Promise<never>((_, reject) => {
              hung = setTimeout(() => reject(new Error(`${what} still unanswered after 20 s`)), 20_000);
            }),
          ]).finally(() => clearTimeout(hung));
          expectUnavailable(res, (await res.json().catch(() => ({}))) as { code?: string }, what);
          expect([what, res.headers.getSetCookie(), res.headers.get("set-auth-token")]).toEqual([what, [], null]);
        }),
      );
    } finally {
      proxy.resume();
    }
    await eventually(
      async () => (await s.call("/api/auth/get-session", { headers: bearer })).status === 200,
      15_000,
      "get-session after the database answered again",
    );
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "stalled@example.com", password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(200);
  }, 60_000);

  it("stops waiting for a slow statement at the limit (503) and discards only that connection", async () => {
    const failure = await sql`select pg_sleep(30)`.execute(gh.database.db).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect(((failure as Error).cause as Error).message).toBe("Query read timeout");
    const one = await sql<{ one: number }>`select 1 as one`.execute(gh.database.db);
    expect(one.rows[0]?.one).toBe(1);
  }, 40_000);

  it("cancels on the server what it stopped waiting for: a write blocked on a lock does not land after its 503", async () => {
    const db = gh.database.db;
    await sql`create table late_write (n integer not null)`.execute(db);
    await sql`insert into late_write values (0)`.execute(db);
    const blocker = new pg.Client({ connectionString: gh.env.DATABASE_URL });
    await blocker.connect();
    const waiting = async (table: string): Promise<number> =>
      (
        await blocker.query(
          `select 1 from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()
             and query like '%' || $1 || '%'`,
          [table],
        )
      ).rowCount ?? 0;
    try {
      await blocker.query("begin");
      await blocker.query("select n from late_write for update");
      const write = await sql`update late_write set n = n + 1`.execute(db).then(
        () => null,
        (err: unknown) => err,
      );
      expect(write).toBeInstanceOf(DatabaseUnavailableError);
      // The fast lookups' own pool too: a table locked (as a migration locks it) holds the read.
      await blocker.query("lock table user_sessions in access exclusive mode");
      const user = await signUpVerified(s as TestServer, "cancelled@example.com").catch(() => null);
      expect(user).toBeNull(); // sign-up itself meets the lock: 503
      const res = await s.call("/api/auth/get-session", { headers: { Authorization: "Bearer not-a-real-token" } });
      expectUnavailable(res, (await res.json().catch(() => ({}))) as { code?: string }, "get-session");
      // Cancelled, not left waiting for the locks (each would run once they are released).
      await eventually(
        async () => (await waiting("late_write")) + (await waiting("user_sessions")) === 0,
        10_000,
        "no statement still waiting on a lock",
      );
      await blocker.query("commit");
      const after = await sql<{ n: number }>`select n from late_write`.execute(db);
      expect(after.rows[0]?.n).toBe(0);
    } finally {
      await blocker.query("rollback").catch(() => {});
      await blocker.end();
    }
  }, 60_000);

  it("answers 57014 (a statement_timeout the operator set on the role) 503 too, on a connection that stays usable", async () => {
    const failure = await gh.database.db.connection().execute(async (conn) => {
      await sql`set statement_timeout = 200`.execute(conn);
      try {
        return await sql`select pg_sleep(5)`.execute(conn).then(
          () => null,
          (err: unknown) => err,
        );
      } finally {
        await sql`reset statement_timeout`.execute(conn);
      }
    });
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect(((failure as Error).cause as { code?: string }).code).toBe("57014"); // query_canceled
    const one = await sql<{ one: number }>`select 1 as one`.execute(gh.database.db);
    expect(one.rows[0]?.one).toBe(1);
  }, 40_000);

  it("ends a transaction whose statement timed out without a second wait for its ROLLBACK", async () => {
    const started = performance.now();
    proxy.stall();
    const failure = await gh.database.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
      })
      .then(
        () => null,
        (err: unknown) => err,
      )
      .finally(() => proxy.resume());
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    // BEGIN timed out after the 1 s limit; the ROLLBACK behind it fails at once instead of waiting
    // for its own limit (two limits: 2 s).
    expect(performance.now() - started).toBeLessThan(1900);
    await eventually(
      async () => (await sql<{ one: number }>`select 1 as one`.execute(gh.database.db)).rows[0]?.one === 1,
      15_000,
      "a query after the stall",
    );
  }, 40_000);

  it("migrates without the limit: waiting past it for another instance's migration lock", async () => {
    const other = new pg.Client({ connectionString: gh.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
      const migrating = gh.migrate();
      // Until the migration has waited for it over twice the statement limit (with the limit, the
      // wait would have failed with 57014 after one second).
      await eventually(
        async () => {
          const waiting = await other.query(
            `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%pg_advisory_lock%'
               and now() - query_start > interval '2.5 seconds'`,
          );
          return waiting.rowCount === 1;
        },
        20_000,
        "the migration waiting for the lock",
      );
      await other.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
      expect(await migrating).toEqual([]);
    } finally {
      await other.end();
    }
  }, 40_000);
});

describe("a locked SQLite database", () => {
  let gh: Gatehouse;
  let s: Pick<TestServer, "call" | "outbox">;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ url, drop } = await freshDatabaseUrl("sqlite"));
    ({ gh, s } = await start(url));
  });
  afterAll(async () => {
    await gh.close();
    await drop();
  });

  it("answers writes 503 with Retry-After while another process holds the lock, then recovers", async () => {
    await signUpVerified(s as TestServer, "locked@example.com");
    const holder = new SQLite(sqlitePath(url));
    holder.exec("BEGIN IMMEDIATE");
    try {
      const res = await s.call("/api/auth/sign-in/email", {
        method: "POST",
        json: { email: "locked@example.com", password: STRONG_PASSWORD },
      });
      expectUnavailable(res, (await res.json()) as { code?: string }, "sign-in");
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    const res = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "locked@example.com", password: STRONG_PASSWORD },
    });
    expect(res.status).toBe(200);
  }, 60_000);
});
