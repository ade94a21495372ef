import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";
import { startRedis } from "../../../test/support/redis-server.js";
import { callInternal, ownSessionId, serviceToken } from "../../../test/support/service-token.js";
import { createGatehouse, type Gatehouse } from "../../gatehouse.js";
import { createLogger } from "../../logger.js";
import { SERVICE_TOKEN_HEADER } from "./index.js";

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

// What each endpoint does and whom it lets do it, on both databases.
describe.each(DB_KINDS)("internal admin API actions on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "ia-admin@example.com" });
    admin = await signUpVerified(s, "ia-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const session = async (token: string) =>
    (await s.call("/api/auth/get-session", { headers: bearer(token) })).json() as Promise<unknown>;
  const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> });

  it("bans: the user, every session id it revoked, sessions dead at once; unban lifts it", async () => {
    const u = await signUpVerified(s, "ia-ban@example.com");
    const second = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "ia-ban@example.com", password: "correct horse battery staple" },
    });
    const secondToken = second.headers.get("set-auth-token") as string;
    const ids = (
      await s.gh.database.db.selectFrom("user_sessions").select("id").where("user_id", "=", u.userId).execute()
    ).map((r) => r.id as string);
    expect(ids).toHaveLength(3); // verification sign-in, signUpVerified's sign-in, the second
    const res = await answer(
      await callInternal(s, "ban-user", admin.userId, { userId: u.userId, banReason: "spam", banExpiresIn: 3600 }),
    );
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: u.userId, banned: true, banReason: "spam" });
    expect(new Date(res.body.user.banExpires).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect([...res.body.revokedSessionIds].sort()).toEqual([...ids].sort());
    expect(await session(u.token)).toBeNull();
    expect(await session(secondToken)).toBeNull();
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "ia-ban@example.com", password: "correct horse battery staple" },
    });
    expect(signIn.status).toBe(403);
    expect(await signIn.json()).toMatchObject({ code: "BANNED_USER" });

    const unban = await answer(await callInternal(s, "unban-user", admin.userId, { userId: u.userId }));
    expect(unban).toMatchObject({ status: 200, body: { user: { banned: false, banReason: null, banExpires: null } } });
  });

  it("sets roles from the configured names only, as the one role parser reads them", async () => {
    const u = await signUpVerified(s, "ia-role@example.com");
    for (const role of ["user, admin", " admin", "root", "", "constructor", ["user", "boss"]]) {
      const res = await answer(await callInternal(s, "set-role", admin.userId, { userId: u.userId, role }));
      expect(res, JSON.stringify(role)).toMatchObject({ status: 400, body: { code: "INVALID_ROLE" } });
    }
    const ok = await answer(
      await callInternal(s, "set-role", admin.userId, { userId: u.userId, role: ["user", "admin"] }),
    );
    expect(ok).toMatchObject({ status: 200, body: { user: { role: "user,admin" } } });
    const own = await answer(await callInternal(s, "set-role", admin.userId, { userId: admin.userId, role: "user" }));
    expect(own).toMatchObject({ status: 400, body: { code: "CANNOT_CHANGE_OWN_ROLE" } });
    const self = await answer(await callInternal(s, "ban-user", admin.userId, { userId: admin.userId }));
    expect(self).toMatchObject({ status: 400, body: { code: "CANNOT_BAN_SELF" } });
    const missing = await answer(
      await callInternal(s, "set-role", admin.userId, { userId: "no-such-user", role: "user" }),
    );
    expect(missing).toMatchObject({ status: 404, body: { code: "USER_NOT_FOUND" } });
  });

  it("lets a user change their own name and image and revoke their own sessions, nothing more", async () => {
    const u = await signUpVerified(s, "ia-self@example.com");
    const other = await signUpVerified(s, "ia-other@example.com");
    const named = await answer(
      await callInternal(s, "update-user", u.userId, {
        userId: u.userId,
        data: { name: "Self Made", image: "https://example.com/a.png" },
      }),
    );
    expect(named).toMatchObject({
      status: 200,
      body: { user: { name: "Self Made", image: "https://example.com/a.png" } },
    });
    const forbidden = [
      ["update-user", { userId: u.userId, data: { emailVerified: false } }],
      ["update-user", { userId: other.userId, data: { name: "Hijack" } }],
      ["set-role", { userId: other.userId, role: "user" }],
      ["ban-user", { userId: other.userId }],
      ["unban-user", { userId: other.userId }],
      ["revoke-sessions", { userId: other.userId }],
      ["revoke-session", { userId: other.userId, sessionId: "x" }],
    ] as const;
    for (const [action, json] of forbidden) {
      const res = await answer(await callInternal(s, action, u.userId, json));
      expect(res, action).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    }
    const list = await s.gh.database.db
      .selectFrom("user_sessions")
      .select("id")
      .where("user_id", "=", u.userId)
      .execute();
    const one = await answer(
      await callInternal(s, "revoke-session", u.userId, { userId: u.userId, sessionId: list[0]?.id }),
    );
    expect(one).toMatchObject({ status: 200, body: { revokedSessionIds: [list[0]?.id] } });
    const theirs = await s.gh.database.db
      .selectFrom("user_sessions")
      .select("id")
      .where("user_id", "=", other.userId)
      .execute();
    const notMine = await answer(
      await callInternal(s, "revoke-session", u.userId, { userId: u.userId, sessionId: theirs[0]?.id }),
    );
    expect(notMine).toMatchObject({ status: 404, body: { code: "SESSION_NOT_FOUND" } });
    const all = await answer(await callInternal(s, "revoke-sessions", u.userId, { userId: u.userId }));
    expect(all.status).toBe(200);
    expect(all.body.revokedSessionIds).toHaveLength(list.length - 1);
    expect(await session(u.token)).toBeNull();
    expect(await session(other.token)).not.toBeNull();
  });

  it("refuses an actor who does not exist or is banned, and lets an admin verify an email", async () => {
    const u = await signUpVerified(s, "ia-verify@example.com");
    const ghost = await answer(await callInternal(s, "revoke-sessions", "ghost-user", { userId: "ghost-user" }));
    expect(ghost).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    const admin2 = await signUpVerified(s, "ia-admin2@example.com");
    await callInternal(s, "set-role", admin.userId, { userId: admin2.userId, role: "admin" });
    expect((await callInternal(s, "ban-user", admin.userId, { userId: admin2.userId })).status).toBe(200);
    const banned = await answer(await callInternal(s, "unban-user", admin2.userId, { userId: admin2.userId }));
    expect(banned).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    const verified = await answer(
      await callInternal(s, "update-user", admin.userId, { userId: u.userId, data: { emailVerified: false } }),
    );
    expect(verified).toMatchObject({ status: 200, body: { user: { emailVerified: false } } });
  });

  it("answers VALIDATION_ERROR for a body that does not fit, after authenticating it", async () => {
    const u = await signUpVerified(s, "ia-valid@example.com");
    const bad: Array<[string, unknown]> = [
      ["set-role", { userId: u.userId }],
      ["set-role", { userId: u.userId, role: "user", extra: 1 }],
      ["ban-user", { userId: u.userId, banExpiresIn: -5 }],
      ["ban-user", { userId: u.userId, banExpiresIn: "3600" }],
      ["update-user", { userId: u.userId, data: {} }],
      ["update-user", { userId: u.userId, data: { name: "x".repeat(101) } }],
      ["update-user", { userId: u.userId, data: { name: "   " } }],
      ["update-user", { userId: u.userId, data: { image: "javascript:alert(1)" } }],
      ["update-user", { userId: u.userId, data: { role: "admin" } }],
      ["update-user", { userId: u.userId, data: { banned: true } }],
      ["revoke-session", { userId: u.userId }],
      ["revoke-sessions", []],
    ];
    for (const [action, json] of bad) {
      const res = await answer(await callInternal(s, action, admin.userId, json));
      expect(res, `${action} ${JSON.stringify(json)}`).toMatchObject({
        status: 400,
        body: { code: "VALIDATION_ERROR" },
      });
    }
    // Unauthenticated, a bad body is still just 401: nothing is validated for strangers.
    const anon = await callInternal(s, "set-role", admin.userId, { nonsense: true }, { token: null });
    expect(anon.status).toBe(401);
  });
});

// One jti store for every instance: a token accepted by one is refused by the other.
describe.each([
  ["postgres", false],
  ["sqlite", false],
  ["postgres", true],
] as const)("replay across two instances on one %s database (Redis: %s)", (kind, withRedis) => {
  let s: TestServer;
  let second: Gatehouse;
  let stopRedis: (() => Promise<void>) | undefined;
  let admin: { userId: string };
  let target: { userId: string };
  beforeAll(async () => {
    const redis = withRedis ? await startRedis() : undefined;
    stopRedis = redis?.stop;
    s = await startTestServer(kind, {
      ADMIN_EMAILS: "twin-admin@example.com",
      ...(redis ? { REDIS_URL: redis.url } : {}),
    });
    second = createGatehouse(s.env, { logger: createLogger("silent") });
    admin = await signUpVerified(s, "twin-admin@example.com");
    target = await signUpVerified(s, "twin-target@example.com");
  });
  afterAll(async () => {
    await second.close();
    await s.close();
    await stopRedis?.();
  });

  it("accepts the token once, on whichever instance sees it first", async () => {
    const path = "/api/auth/internal/admin/set-role";
    const raw = JSON.stringify({ userId: target.userId, role: "user" });
    const token = await serviceToken({ sub: admin.userId, sid: await ownSessionId(s, admin.userId), path, body: raw });
    const init = () => ({
      method: "POST",
      headers: { "Content-Type": "application/json", [SERVICE_TOKEN_HEADER]: token },
      body: raw,
    });
    // Both at once: exactly one may win the race.
    const [a, b] = await Promise.all([s.gh.app.request(path, init()), second.app.request(path, init())]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    expect((await second.app.request(path, init())).status).toBe(401);
    expect((await s.gh.app.request(path, init())).status).toBe(401);
    if (!withRedis) {
      const rows = await s.gh.database.db.selectFrom("internal_api_jtis").selectAll().execute();
      expect(rows.length).toBeGreaterThan(0);
    }
  });
});
