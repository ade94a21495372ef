import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from "../../test/harness.js";
import { pgDriver, sqliteDriver } from "../db/database.js";
import { unsignToken } from "./fast-session.js";

const DAY_MS = 24 * 3600 * 1000;

describe("unsignToken", () => {
  const token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
  const sig = createHmac("sha256", TEST_SECRET).update(token).digest("base64");

  it("accepts exactly better-call's token.signature form", () => {
    expect(unsignToken(`${token}.${sig}`, TEST_SECRET)).toBe(token);
  });

  it("refuses a wrong secret, a tampered token, url-safe or unpadded signatures and extra dots", () => {
    expect(unsignToken(`${token}.${sig}`, `${TEST_SECRET}x`)).toBeNull();
    expect(unsignToken(`${token.replace("A", "B")}.${sig}`, TEST_SECRET)).toBeNull();
    expect(unsignToken(`${token}.${sig.replaceAll("+", "-").replaceAll("/", "_")}`, TEST_SECRET)).toBe(
      /[+/]/.test(sig) ? null : token,
    );
    expect(unsignToken(`${token}.${sig.slice(0, -1)}`, TEST_SECRET)).toBeNull();
    expect(unsignToken(`x.${token}.${sig}`, TEST_SECRET)).toBeNull();
    expect(unsignToken(token, TEST_SECRET)).toBeNull();
  });
});

describe.each(DB_KINDS)("fast GET /api/auth/me on %s", (kind) => {
  let s: TestServer;
  let n = 0;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Counts how often the full better-auth path ran (the fast path never calls it). */
  const spySlowPath = () => vi.spyOn(s.gh.auth.api, "getSession");
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const newUser = async () => signUpVerified(s, `fast${n++}@example.com`);
  const db = () => s.gh.database.db;
  /** A timestamp in the column format of this database (ISO text on SQLite, timestamptz on PostgreSQL). */
  const at = (ms: number): string | Date => (kind === "sqlite" ? new Date(ms).toISOString() : new Date(ms));
  const rawToken = (signed: string) => signed.split(".")[0] as string;
  const sessionRow = async (token: string) =>
    db().selectFrom("user_sessions").selectAll().where("token", "=", token).executeTakeFirst();

  it("answers a Bearer token (signed and raw) and a cookie without better-auth, same body as get-session", async () => {
    const { token, cookie, userId } = await newUser();
    const spy = spySlowPath();
    const signed = await s.call("/api/auth/me", { headers: bearer(token) });
    const raw = await s.call("/api/auth/me", { headers: bearer(rawToken(token)) });
    const viaCookie = await s.call("/api/auth/me", { headers: { Cookie: cookie } });
    expect(spy).not.toHaveBeenCalled();
    for (const res of [signed, raw, viaCookie]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toContain("no-store");
    }
    const body = await signed.json();
    expect(await raw.json()).toEqual(body);
    expect(await viaCookie.json()).toEqual(body);
    const full = (await (await s.call("/api/auth/get-session", { headers: bearer(token) })).json()) as {
      user: Record<string, unknown>;
    };
    expect(body).toEqual({
      id: userId,
      email: full.user.email,
      name: full.user.name,
      image: full.user.image ?? null,
      emailVerified: true,
      role: "user",
    });
  });

  it("gives the same answer as the full path for the same session", async () => {
    const { token } = await newUser();
    const fast = await (await s.call("/api/auth/me", { headers: bearer(token) })).json();
    // A don't-remember cookie is one of the cases the fast path leaves to better-auth.
    const spy = spySlowPath();
    const slow = await s.call("/api/auth/me", {
      headers: { ...bearer(token), Cookie: "better-auth.dont_remember=x" },
    });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(slow.status).toBe(200);
    expect(await slow.json()).toEqual(fast);
  });

  it("refuses a forged signature, an unknown token, a signed-out session and no credential", async () => {
    const { token } = await newUser();
    const [value, sig] = token.split(".") as [string, string];
    const forged = `${value.slice(0, -1)}${value.endsWith("a") ? "b" : "a"}.${sig}`;
    for (const headers of [bearer(forged), bearer("A".repeat(32)), {}, { Authorization: "Basic eDp5" }]) {
      const res = await s.call("/api/auth/me", { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "UNAUTHORIZED" });
    }
    expect((await s.call("/api/auth/sign-out", { method: "POST", headers: bearer(token), json: {} })).status).toBe(200);
    expect((await s.call("/api/auth/me", { headers: bearer(token) })).status).toBe(401);
  });

  it("refuses an expired session, and better-auth deletes it as get-session would", async () => {
    const { token } = await newUser();
    await db()
      .updateTable("user_sessions")
      .set({ expires_at: at(Date.now() - 1000) })
      .where("token", "=", rawToken(token))
      .execute();
    expect((await s.call("/api/auth/me", { headers: bearer(token) })).status).toBe(401);
    expect(await sessionRow(rawToken(token))).toBeUndefined();
  });

  it("leaves a session due for refresh (older than updateAge) to better-auth, which extends it", async () => {
    const { token } = await newUser();
    const expiresIn = s.env.SESSION_EXPIRES_IN_SECONDS * 1000;
    const updateAge = s.env.SESSION_UPDATE_AGE_SECONDS * 1000;
    // Last extended just over updateAge ago.
    const stale = Date.now() + expiresIn - updateAge - 60_000;
    await db()
      .updateTable("user_sessions")
      .set({ expires_at: at(stale) })
      .where("token", "=", rawToken(token))
      .execute();
    const spy = spySlowPath();
    expect((await s.call("/api/auth/me", { headers: bearer(token) })).status).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1);
    const refreshed = new Date((await sessionRow(rawToken(token)))?.expires_at as string).getTime();
    expect(refreshed).toBeGreaterThan(Date.now() + expiresIn - 60_000);

    // Fresh again: the next check is fast and writes nothing.
    spy.mockClear();
    expect((await s.call("/api/auth/me", { headers: bearer(token) })).status).toBe(200);
    expect(spy).not.toHaveBeenCalled();
    expect(new Date((await sessionRow(rawToken(token)))?.expires_at as string).getTime()).toBe(refreshed);
  });

  it("refuses a banned user's session (revoked when the ban came into force), not one of an expired ban", async () => {
    const ban = (userId: string, until: number | null) =>
      db()
        .updateTable("users")
        .set({ banned: kind === "sqlite" ? 1 : true, ban_expires: until === null ? null : at(until) })
        .where("id", "=", userId)
        .execute();
    const forever = await newUser();
    await ban(forever.userId, null);
    expect((await s.call("/api/auth/me", { headers: bearer(forever.token) })).status).toBe(401);
    expect(await sessionRow(rawToken(forever.token))).toBeUndefined();
    const until = await newUser();
    await ban(until.userId, Date.now() + DAY_MS);
    expect((await s.call("/api/auth/me", { headers: bearer(until.token) })).status).toBe(401);
    const over = await newUser();
    await ban(over.userId, Date.now() - 1000);
    expect((await s.call("/api/auth/me", { headers: bearer(over.token) })).status).toBe(200);
  });

  it("answers concurrent requests each with its own session, on PostgreSQL in one query, never a revoked one", async () => {
    const users = [await newUser(), await newUser(), await newUser()];
    const revoked = await newUser();
    await db().deleteFrom("user_sessions").where("token", "=", rawToken(revoked.token)).execute();
    const query = kind === "postgres" ? vi.spyOn(pgDriver().Client.prototype, "query") : null;
    // Each user twice, the revoked session among them: one turn of the event loop, one batch.
    const asked = [...users, revoked, ...users];
    const answers = await Promise.all(asked.map((u) => s.call("/api/auth/me", { headers: bearer(u.token) })));
    expect(answers.map((r) => r.status)).toEqual(asked.map((u) => (u === revoked ? 401 : 200)));
    const ids = await Promise.all(
      answers.map(async (r) => (r.status === 200 ? ((await r.json()) as { id: string }).id : null)),
    );
    expect(ids).toEqual(asked.map((u) => (u === revoked ? null : u.userId)));
    if (query) {
      const lookups = query.mock.calls.filter(([config]) =>
        (config as { name?: string })?.name?.startsWith("gatehouse_fast"),
      );
      expect(lookups).toHaveLength(1);
      const [config] = lookups[0] as unknown as [{ values: string[][] }];
      expect(config.values[0]).toHaveLength(asked.length);
    }
    // Not a cache: the next request after a revocation is refused.
    const [first] = users as [(typeof users)[0]];
    await db().deleteFrom("user_sessions").where("token", "=", rawToken(first.token)).execute();
    expect((await s.call("/api/auth/me", { headers: bearer(first.token) })).status).toBe(401);
  });

  it("answers 230 lookups of one turn (duplicates, unknown tokens, case variants, cookies) each with its own", async () => {
    const users = [await newUser(), await newUser(), await newUser(), await newUser()];
    const asks = Array.from({ length: 230 }, (_, i) => {
      const u = users[i % users.length] as (typeof users)[0];
      const raw = rawToken(u.token);
      switch (i % 5) {
        case 0:
          return { headers: bearer(u.token), want: u.userId };
        case 1:
          return { headers: bearer(raw), want: u.userId };
        case 2: // a token nobody holds
          return { headers: bearer(`${raw.toLowerCase()}Q`), want: null };
        case 3: // tokens are compared exactly
          return { headers: bearer(raw.toUpperCase()), want: raw === raw.toUpperCase() ? u.userId : null };
        default:
          return { headers: { Cookie: u.cookie }, want: u.userId };
      }
    });
    const answers = await Promise.all(asks.map((a) => s.call("/api/auth/me", { headers: a.headers })));
    const got = await Promise.all(
      answers.map(async (r) => (r.status === 200 ? ((await r.json()) as { id: string }).id : null)),
    );
    expect(got).toEqual(asks.map((a) => a.want));
  });

  it("answers a failed lookup 503 with Retry-After for its own request only", async () => {
    const a = await newUser();
    const b = await newUser();
    expect((await s.call("/api/auth/me", { headers: bearer(a.token) })).status).toBe(200);
    const failure = Object.assign(new Error("simulated outage"), {
      code: kind === "sqlite" ? "SQLITE_BUSY" : "ECONNREFUSED",
    });
    if (kind === "sqlite") {
      // One token's lookup fails (a lock that comes and goes): its batch-mate was read before it.
      const statement = new (sqliteDriver())(":memory:").prepare("select 1").constructor as {
        prototype: { get: (...args: unknown[]) => unknown };
      };
      const get = statement.prototype.get;
      vi.spyOn(statement.prototype, "get").mockImplementation(function (this: unknown, ...args: unknown[]) {
        if (args[0] === rawToken(b.token)) throw failure;
        return get.apply(this, args);
      });
    } else {
      // PostgreSQL answers a batch in one query: when it fails, every request in it is refused alike.
      const query = pgDriver().Client.prototype.query;
      vi.spyOn(pgDriver().Client.prototype, "query").mockImplementation(function (this: unknown, ...args: unknown[]) {
        if ((args[0] as { name?: string } | undefined)?.name?.startsWith("gatehouse_fast"))
          return Promise.reject(failure);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as never);
    }
    const answers = await Promise.all(
      [a, b].map((u, i) => s.call("/api/auth/me", { headers: { ...bearer(u.token), "X-Request-ID": `req-${i}` } })),
    );
    const statuses = answers.map((r) => [r.status, r.headers.get("retry-after")]);
    expect(statuses).toEqual(
      kind === "sqlite"
        ? [
            [200, null],
            [503, "5"],
          ]
        : [
            [503, "5"],
            [503, "5"],
          ],
    );
  });

  it("reflects a role change and a new sign-in at once (no cache)", async () => {
    const { token, userId } = await newUser();
    await db().updateTable("users").set({ role: "admin" }).where("id", "=", userId).execute();
    expect(await (await s.call("/api/auth/me", { headers: bearer(token) })).json()).toMatchObject({ role: "admin" });
    const again = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: `fast${n - 1}@example.com`, password: STRONG_PASSWORD },
    });
    expect((await s.call("/api/auth/me", { headers: { Cookie: cookiesFrom(again) } })).status).toBe(200);
  });
});
