import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  type DbKind,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
} from "../../../test/harness.js";
import { eventually } from "../../../test/support/gatehouse-on.js";
import { startRedis } from "../../../test/support/redis-server.js";
import { REDIS_KEY_PREFIX } from "../../storage/redis.js";

/**
 * The fast GET /api/auth/get-session against better-auth's own get-session, field by field and
 * header by header. better-auth's answer to the same request is obtained by adding a query key
 * better-auth ignores and the fast path does not take (`compare=1`), so both go through the same
 * app; a spy on `auth.handler` tells which path answered.
 */
const SETUPS: Array<[DbKind, boolean]> = DB_KINDS.flatMap(
  (kind): Array<[DbKind, boolean]> => [
    [kind, false],
    [kind, true],
  ],
);

describe.each(SETUPS)("fast get-session on %s (Redis: %s)", (kind, withRedis) => {
  let s: TestServer;
  let redis: Redis | null = null;
  let stopRedis: (() => Promise<void>) | null = null;
  let n = 0;
  beforeAll(async () => {
    let env: Record<string, string> = {};
    if (withRedis) {
      const server = await startRedis();
      stopRedis = server.stop;
      redis = new Redis(server.url);
      env = { REDIS_URL: server.url };
    }
    s = await startTestServer(kind, env);
    // The Redis sync must be current for better-auth (and the fast path) to read Redis at all.
    await s.gh.startBackground();
  });
  afterAll(async () => {
    await s.close();
    await redis?.quit();
    await stopRedis?.();
  });

  const db = () => s.gh.database.db;
  const at = (ms: number): string | Date => (kind === "sqlite" ? new Date(ms).toISOString() : new Date(ms));
  const rawToken = (signed: string) => decodeURIComponent(signed).split(".")[0] as string;
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const newUser = async () => signUpVerified(s, `gs-${kind}-${withRedis}-${n++}@example.com`);
  const setSession = async (token: string, values: Record<string, unknown>) => {
    await db().updateTable("user_sessions").set(values).where("token", "=", rawToken(token)).execute();
    // better-auth reads Redis first: drop the cached copy so the row's new values count.
    await redis?.del(`${REDIS_KEY_PREFIX}${rawToken(token)}`);
  };
  const expiresAtRow = async (token: string) =>
    new Date(
      (
        await db()
          .selectFrom("user_sessions")
          .select("expires_at")
          .where("token", "=", rawToken(token))
          .executeTakeFirst()
      )?.expires_at as string,
    ).getTime();
  /** Last extended just over updateAge ago: better-auth would refresh it now. */
  const dueForRefresh = () =>
    at(Date.now() + s.env.SESSION_EXPIRES_IN_SECONDS * 1000 - s.env.SESSION_UPDATE_AGE_SECONDS * 1000 - 60_000);

  /** The fast path's answer and better-auth's to the same request, and whether the fast path answered. */
  const both = async (headers: Record<string, string>, query = "") => {
    const spy = vi.spyOn(s.gh.auth, "handler");
    const fast = await s.call(`/api/auth/get-session${query}`, { headers });
    const fastAnswered = spy.mock.calls.length === 0;
    const slow = await s.call(`/api/auth/get-session${query ? `${query}&` : "?"}compare=1`, { headers });
    const slowRan = spy.mock.calls.length > (fastAnswered ? 0 : 1);
    spy.mockRestore();
    return { fast, slow, fastAnswered, slowRan };
  };
  const headersOf = (res: Response) =>
    [...res.headers.entries()].filter(([k]) => k !== "x-request-id").sort(([a], [b]) => a.localeCompare(b));
  const expectSameAnswer = async (headers: Record<string, string>, query = "") => {
    const { fast, slow, fastAnswered, slowRan } = await both(headers, query);
    expect(fastAnswered, "the fast path answered").toBe(true);
    expect(slowRan, "better-auth answered the comparison").toBe(true);
    expect(fast.status).toBe(slow.status);
    expect(headersOf(fast)).toEqual(headersOf(slow));
    const [fastBody, slowBody] = [await fast.text(), await slow.text()];
    expect(JSON.parse(fastBody)).toEqual(JSON.parse(slowBody));
    // Byte for byte: the same keys in the same order.
    expect(fastBody).toBe(slowBody);
    return JSON.parse(fastBody) as { session: Record<string, unknown>; user: Record<string, unknown> };
  };

  it("answers cookie, signed Bearer (plain and URL-encoded) and raw Bearer exactly as better-auth does", async () => {
    const { token, cookie, userId } = await newUser();
    const viaCookie = await expectSameAnswer({ Cookie: cookie });
    expect(viaCookie.user.id).toBe(userId);
    expect(viaCookie.session.token).toBe(rawToken(token));
    expect(await expectSameAnswer(bearer(token))).toEqual(viaCookie);
    expect(await expectSameAnswer(bearer(decodeURIComponent(token)))).toEqual(viaCookie);
    expect(await expectSameAnswer(bearer(rawToken(token)))).toEqual(viaCookie);
    // No JWT is signed for a header nobody asked for.
    const { fast, slow } = await both(bearer(token));
    expect(fast.headers.get("set-auth-jwt")).toBeNull();
    expect(slow.headers.get("set-auth-jwt")).toBeNull();
  });

  it("reflects a role and a name change at once, with every admin field", async () => {
    const { token, userId } = await newUser();
    await db().updateTable("users").set({ role: "admin", name: "Renamed" }).where("id", "=", userId).execute();
    if (redis) {
      // With Redis, better-auth answers from the cached copy; the revocation sync rewrites it.
      await redis.del(`${REDIS_KEY_PREFIX}${rawToken(token)}`);
    }
    const body = await expectSameAnswer(bearer(token));
    expect(body.user).toMatchObject({ role: "admin", name: "Renamed", banned: false, banReason: null });
  });

  it("leaves a session due for refresh to better-auth, which extends it and sends its cookie", async () => {
    const { token } = await newUser();
    await setSession(token, { expires_at: dueForRefresh() });
    const spy = vi.spyOn(s.gh.auth, "handler");
    const res = await s.call("/api/auth/get-session", { headers: bearer(token) });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("session_token=");
    expect(res.headers.get("set-auth-token")).toBe(token);
    expect(await expiresAtRow(token)).toBeGreaterThan(Date.now() + s.env.SESSION_EXPIRES_IN_SECONDS * 1000 - 60_000);
    // Fresh again: answered fast, exactly as better-auth would.
    await expectSameAnswer(bearer(token));
  });

  it("does not refresh with disableRefresh (any non-empty value, as better-auth coerces it) or don't-remember", async () => {
    const { token } = await newUser();
    await setSession(token, { expires_at: dueForRefresh() });
    const before = await expiresAtRow(token);
    await expectSameAnswer(bearer(token), "?disableRefresh=true");
    await expectSameAnswer(bearer(token), "?disableRefresh=false&disableCookieCache=true");
    expect(await expiresAtRow(token)).toBe(before);

    const email = `gs-${kind}-${withRedis}-${n++}@example.com`;
    await signUpVerified(s, email);
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD, rememberMe: false },
    });
    const cookie = cookiesFrom(signIn);
    expect(cookie).toContain("dont_remember=");
    const dontRemember = signIn.headers.get("set-auth-token") as string;
    await setSession(dontRemember, { expires_at: dueForRefresh() });
    const was = await expiresAtRow(dontRemember);
    await expectSameAnswer({ Cookie: cookie });
    expect(await expiresAtRow(dontRemember)).toBe(was);
  });

  it("leaves an empty disableRefresh (false to better-auth), repeated keys and a forged don't-remember to better-auth", async () => {
    const { token, cookie } = await newUser();
    const viaBetterAuth = async (headers: Record<string, string>, query: string) => {
      const spy = vi.spyOn(s.gh.auth, "handler");
      const res = await s.call(`/api/auth/get-session${query}`, { headers });
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(res.status).toBe(200);
      return res;
    };
    await viaBetterAuth(bearer(token), "?disableRefresh=1&disableRefresh=1");
    await viaBetterAuth({ Cookie: `${cookie}; better-auth.dont_remember=true.${"A".repeat(43)}=` }, "");
    // Due for refresh: an empty value is false to better-auth, so it refreshes.
    await setSession(token, { expires_at: dueForRefresh() });
    const res = await viaBetterAuth(bearer(token), "?disableRefresh=");
    expect(res.headers.get("set-cookie")).toContain("session_token=");
    expect(await expiresAtRow(token)).toBeGreaterThan(Date.now() + s.env.SESSION_EXPIRES_IN_SECONDS * 1000 - 60_000);
  });

  it("leaves a session cookie with whitespace before its `=`, or named twice that way, to better-auth", async () => {
    // better-call trims each name and keeps the first pair: `name =<A>; name=<B>` is A to better-auth.
    const a = await newUser();
    const b = await newUser();
    const name = "better-auth.session_token";
    for (const cookie of [`${name} =${a.token}; ${name}=${b.token}`, `${name}\t=${a.token}`, `${name} =${a.token}`]) {
      const spy = vi.spyOn(s.gh.auth, "handler");
      const res = await s.call("/api/auth/get-session", { headers: { Cookie: cookie } });
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      const body = (await res.json()) as { user: { id: string } } | null;
      expect(body?.user.id).toBe(a.userId);
    }
  });

  it("leaves expired, banned and over-age impersonation sessions to better-auth, which refuses them", async () => {
    const expired = await newUser();
    await setSession(expired.token, { expires_at: at(Date.now() - 1000) });
    const banned = await newUser();
    await db()
      .updateTable("users")
      .set({ banned: kind === "sqlite" ? 1 : true, ban_expires: null })
      .where("id", "=", banned.userId)
      .execute();
    const admin = await newUser();
    const impersonation = await newUser();
    await setSession(impersonation.token, { impersonated_by: admin.userId, created_at: at(Date.now() - 7_200_000) });
    if (withRedis) {
      // The ban was written by SQL, past the auth server: its Redis copy of the session learns of it
      // from the revocation feed (the ban deleted the user's sessions, migration 0007), within the
      // promised second — not at once, as when an admin bans through the auth server.
      const gone = async () =>
        (await (await s.call("/api/auth/get-session", { headers: bearer(banned.token) })).json()) === null;
      await eventually(gone, 1000, "a session of a user banned by SQL refused from Redis");
    }
    for (const { token } of [expired, banned, impersonation]) {
      const spy = vi.spyOn(s.gh.auth, "handler");
      const res = await s.call("/api/auth/get-session", { headers: bearer(token) });
      // The banned user's session is gone from the database: with Redis the feed may already have
      // told the fast path, which then refuses it itself; either way nothing answers for it (below).
      if (token !== banned.token || !withRedis) expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(res.status).toBe(200);
      expect(await res.json()).toBeNull();
    }
  });

  it("answers an impersonation inside its lifetime exactly as better-auth, naming the impersonator", async () => {
    const admin = await newUser();
    const target = await newUser();
    await setSession(target.token, { impersonated_by: admin.userId, created_at: at(Date.now() - 1_800_000) });
    const body = await expectSameAnswer(bearer(target.token));
    expect(body.session.impersonatedBy).toBe(admin.userId);
  });

  it("leaves a cookie-cache cookie to better-auth, which clears it", async () => {
    const { cookie } = await newUser();
    const spy = vi.spyOn(s.gh.auth, "handler");
    const res = await s.call("/api/auth/get-session", { headers: { Cookie: `${cookie}; better-auth.session_data=x` } });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(res.headers.get("set-cookie")).toContain("session_data=;");
  });

  it.runIf(withRedis)("reads better-auth's Redis copy first and honours its revocation cut-off", async () => {
    const { token, userId } = await newUser();
    const key = `${REDIS_KEY_PREFIX}${rawToken(token)}`;
    await expectSameAnswer(bearer(token));
    // The revocation feed rewrites the user's fields in every cached copy from the database when it
    // applies a user_changed row (the sign-up's verification wrote one): it must have applied every row
    // there is before the copy is edited, or it can overwrite the edit between the next two answers.
    await s.gh.settled();
    // Two reads: one already in flight may have begun before the last row; the second begins after it.
    await s.gh.revocationSync?.catchUp();
    await s.gh.revocationSync?.catchUp();
    const cached = JSON.parse((await redis?.get(key)) as string) as { user: Record<string, unknown> };
    cached.user.name = "From Redis";
    await redis?.set(key, JSON.stringify(cached), "KEEPTTL");
    expect((await expectSameAnswer(bearer(token))).user.name).toBe("From Redis");
    await redis?.set(`${REDIS_KEY_PREFIX}revoked-sessions-before-${userId}`, String(Date.now()));
    const spy = vi.spyOn(s.gh.auth, "handler");
    const res = await s.call("/api/auth/get-session", { headers: bearer(token) });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(await res.json()).toBeNull();
  });
});
