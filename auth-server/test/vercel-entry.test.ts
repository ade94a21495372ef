import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl, ORIGIN, TEST_SECRET } from "./harness.js";
import { eventually, type Instance, instanceOn, rawToken, signedIn } from "./support/gatehouse-on.js";
import { startRedis } from "./support/redis-server.js";

/**
 * The Vercel function (api/index.ts) as Vercel runs it: imported once, `fetch` called per request,
 * no `startBackground()` and so no timers. The Redis sync must still evict, and pruning must run
 * from the cron route.
 */
describe("Vercel entry with PostgreSQL and Redis", () => {
  let redis: { url: string; stop(): Promise<void> };
  let db: { url: string; drop(): Promise<void> };
  let other: Instance;
  let handler: { fetch(request: Request): Promise<Response> };
  let prunePath: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    redis = await startRedis();
    db = await freshDatabaseUrl("postgres");
    // A long-running instance on the same database and Redis: it migrates and signs users in.
    other = await instanceOn(db.url, { REDIS_URL: redis.url }, { background: false });
    Object.assign(process.env, {
      NODE_ENV: "test",
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: "http://localhost:3000",
      FRONTEND_URL: ORIGIN,
      LOG_LEVEL: "silent",
      CRON_SECRET: "cron-secret-0123456789abcdef",
    });
    const entry = await import("../api/index.js");
    handler = entry.default;
    prunePath = entry.PRUNE_PATH;
  });
  afterAll(async () => {
    process.env = saved;
    await other.close();
    await db.drop();
    await redis.stop();
  });

  const getSession = async (bearer: string): Promise<number> => {
    const res = await handler.fetch(
      new Request("http://localhost:3000/api/auth/get-session", { headers: { Authorization: `Bearer ${bearer}` } }),
    );
    return (await res.json()) ? 200 : 401;
  };

  it("evicts a session deleted by SQL before answering a later request, with no timer running", async () => {
    const victim = await signedIn(other, "vercel-victim@example.com");
    const bystander = await signedIn(other, "vercel-bystander@example.com");
    expect(await getSession(victim.bearer)).toBe(200);
    await other.gh.database.db.deleteFrom("user_sessions").where("token", "=", rawToken(victim.bearer)).execute();
    await eventually(async () => (await getSession(victim.bearer)) === 401, 1_500, "victim refused");
    const client = new Redis(redis.url);
    try {
      // Evicted by the per-request sync (not merely skipped): the entry is gone from Redis.
      expect(await client.exists(`gatehouse:${rawToken(victim.bearer)}`)).toBe(0);
      expect(await client.exists(`gatehouse:${rawToken(bystander.bearer)}`)).toBe(1);
      expect(await client.exists("gatehouse:revocation-feed-position")).toBe(1);
    } finally {
      await client.quit();
    }
    expect(await getSession(bystander.bearer)).toBe(200);
  });

  it("prunes the revocation feed from the cron route, for the cron secret only", async () => {
    const old = (h: number) => new Date(Date.now() - h * 3600 * 1000);
    await other.gh.database.db
      .insertInto("auth_revocations")
      .values([
        { kind: "session", user_id: "u", session_id: "s1", created_at: old(30) },
        { kind: "session", user_id: "u", session_id: "s2", created_at: old(29) },
      ])
      .execute();
    const cron = (authorization?: string, method = "GET") =>
      handler.fetch(
        new Request(`http://localhost:3000${prunePath}`, {
          method,
          headers: authorization ? { Authorization: authorization } : {},
        }),
      );
    for (const bad of [
      undefined,
      "Bearer wrong",
      "Bearer cron-secret-0123456789abcdeF",
      "cron-secret-0123456789abcdef",
    ]) {
      const res = await cron(bad);
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("UNAUTHORIZED");
    }
    expect((await cron("Bearer cron-secret-0123456789abcdef", "POST")).status).toBe(405);
    const ok = await cron("Bearer cron-secret-0123456789abcdef");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ deleted: 1 });
  });
});
