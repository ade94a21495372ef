import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_KEY_PREFIX } from "../src/storage/redis.js";
import { signUpVerified, startTestServer, type TestServer } from "./harness.js";
import { eventually, rawToken } from "./support/gatehouse-on.js";
import { startRedis } from "./support/redis-server.js";
import { credentials, type Holder, holder, probe, REFUSED } from "./support/session-probes.js";

/**
 * The session rule where better-auth answers from Redis (secondary storage): the same bans and
 * lifetimes end sessions whose cached copy says otherwise or says it in another form.
 */
describe("one session rule with Redis (PostgreSQL)", () => {
  let s: TestServer;
  let redis: Redis;
  let stopRedis: () => Promise<void>;
  let admin: { token: string; userId: string };
  let n = 0;
  beforeAll(async () => {
    const server = await startRedis();
    stopRedis = server.stop;
    redis = new Redis(server.url);
    s = await startTestServer("postgres", { REDIS_URL: server.url, ADMIN_EMAILS: "redis-admin@example.com" });
    await s.gh.startBackground();
    admin = await signUpVerified(s, "redis-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
    await redis.quit();
    await stopRedis();
  });
  const fresh = () => holder(s, `redis-rule${n++}@example.com`);
  const asAdmin = (path: string, json: unknown) =>
    s.call(`/api/auth${path}`, { method: "POST", headers: { Authorization: `Bearer ${admin.token}` }, json });
  const sessionOf = async (bearer: string) =>
    (await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${bearer}` } })).json() as Promise<{
      session: { id: string };
    } | null>;
  /** Rewrites the cached copy of a session in Redis, keeping its time to live. */
  const editCached = async (bearer: string, edit: (entry: Record<string, any>) => void) => {
    const key = `${REDIS_KEY_PREFIX}${rawToken(bearer)}`;
    const raw = await redis.get(key);
    if (!raw) throw new Error("session not cached in Redis");
    const entry = JSON.parse(raw) as Record<string, any>;
    edit(entry);
    await redis.set(key, JSON.stringify(entry), "KEEPTTL");
  };
  const expectDead = async (h: Holder) => {
    for (const [how, headers] of credentials(h)) expect(await probe(s, headers), how).toEqual(REFUSED);
  };

  it('a ban sent to admin/update-user as "true" ends every cached session at once', async () => {
    const h = await fresh();
    expect(await sessionOf(h.bearer)).not.toBeNull();
    expect((await asAdmin("/admin/update-user", { userId: h.userId, data: { banned: "true" } })).status).toBe(200);
    await expectDead(h);
    expect(await redis.get(`${REDIS_KEY_PREFIX}${rawToken(h.bearer)}`)).toBeNull();
  });

  it("a ban written by SQL ends the cached sessions within a second", async () => {
    const h = await fresh();
    expect(await sessionOf(h.bearer)).not.toBeNull();
    await s.gh.database.db.updateTable("users").set({ banned: "yes" }).where("id", "=", h.userId).execute();
    await eventually(async () => (await sessionOf(h.bearer)) === null, 1_000, "refused");
    await expectDead(h);
  });

  it("judges the cached copy itself: a ban in any form there refuses and revokes the session", async () => {
    const h = await fresh();
    expect(await sessionOf(h.bearer)).not.toBeNull();
    await editCached(h.bearer, (e) => {
      e.user.banned = "true";
    });
    expect(await sessionOf(h.bearer)).toBeNull();
    const rows = await s.gh.database.db
      .selectFrom("user_sessions")
      .select("token")
      .where("user_id", "=", h.userId)
      .execute();
    expect(rows.map((r) => r.token)).not.toContain(rawToken(h.bearer));
  });

  it("ends a cached impersonation one hour after it began, whatever its cached expiry says", async () => {
    const target = await fresh();
    const imp = await asAdmin("/admin/impersonate-user", { userId: target.userId });
    const impBearer = imp.headers.get("set-auth-token") as string;
    expect(await sessionOf(impBearer)).not.toBeNull();
    await editCached(impBearer, (e) => {
      e.session.createdAt = new Date(Date.now() - 3_601_000).toISOString();
      e.session.expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    });
    expect(await probe(s, { Authorization: `Bearer ${impBearer}` })).toEqual(REFUSED);
    expect(await sessionOf(target.bearer)).not.toBeNull();
  });
});
