import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedis } from "../../test/support/redis-server.js";
import { guardSessionReads, RedisSessionCache } from "./session-cache.js";

/** The cache edits the sync makes, against a real redis-server, in better-auth's key layout. */
describe("RedisSessionCache", () => {
  let redis: { url: string; stop(): Promise<void> };
  let client: Redis;
  let cache: RedisSessionCache;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await client.quit();
    await redis.stop();
  });
  beforeEach(async () => {
    await client.flushall();
    cache = new RedisSessionCache(client, "p:", { cutOffTtlSeconds: 600, recheckMs: 1_000 });
  });

  const token = (n: number) => `T${String(n).padStart(31, "0")}`;
  async function cacheSession(userId: string, sessionId: string, n: number): Promise<string> {
    const t = token(n);
    const list = JSON.parse((await client.get(`p:active-sessions-${userId}`)) ?? "[]");
    list.push({ token: t, expiresAt: Date.now() + 60_000 });
    await client.set(`p:active-sessions-${userId}`, JSON.stringify(list), "EX", 60);
    const entry = { session: { id: sessionId, userId, token: t }, user: { id: userId, role: "user", banned: false } };
    await client.set(`p:${t}`, JSON.stringify(entry), "EX", 60);
    return t;
  }

  it("evicts only the deleted session's entry (and an unreadable one, which might be it)", async () => {
    const keep = await cacheSession("u1", "s-keep", 1);
    const gone = await cacheSession("u1", "s-gone", 2);
    const junk = await cacheSession("u1", "s-junk", 3);
    await client.set(`p:${junk}`, "{not json");
    expect(await cache.evictSession("u1", "s-gone")).toBe(2);
    expect(await client.exists(`p:${keep}`, `p:${gone}`, `p:${junk}`)).toBe(1);
  });

  it("deletes an evicted token again when a read-modify-write brings it back within the recheck window", async () => {
    const t = await cacheSession("u1", "s1", 1);
    const before = await client.get(`p:${t}`);
    await cache.evictSession("u1", "s1");
    await client.set(`p:${t}`, before as string, "EX", 60); // better-auth's updateSession writing back
    expect(await cache.recheck()).toBe(1);
    expect(await client.exists(`p:${t}`)).toBe(0);
    await client.set(`p:${t}`, before as string, "EX", 60);
    expect(await cache.recheck(Date.now() + 2_000)).toBe(0); // past the window: forgotten
  });

  it("refreshes the cached user in place, keeping the entry's expiry, and never revives a deleted entry", async () => {
    const live = await cacheSession("u1", "s1", 1);
    const deleted = await cacheSession("u1", "s2", 2);
    await client.del(`p:${deleted}`);
    await cache.refreshUser("u1", { role: "admin", banned: true });
    const entry = JSON.parse((await client.get(`p:${live}`)) as string);
    expect(entry.user).toEqual({ id: "u1", role: "admin", banned: true });
    expect(entry.session.id).toBe("s1");
    expect(await client.ttl(`p:${live}`)).toBeGreaterThan(50);
    expect(await client.exists(`p:${deleted}`)).toBe(0);
  });

  it("evicts every cached session of a user that no longer exists", async () => {
    const a = await cacheSession("u1", "s1", 1);
    const b = await cacheSession("u1", "s2", 2);
    await cache.refreshUser("u1", null);
    expect(await client.exists(`p:${a}`, `p:${b}`)).toBe(0);
  });

  it("keeps the latest cut-off whatever order they arrive in, for the configured time", async () => {
    await cache.cutOffUser("u1", 2_000);
    await cache.cutOffUser("u1", 1_000);
    expect(await client.get("p:revoked-sessions-before-u1")).toBe("2000");
    expect(await client.ttl("p:revoked-sessions-before-u1")).toBeGreaterThan(590);
  });

  it("saves and loads its position beside the cache", async () => {
    expect(await cache.loadPosition()).toBeNull();
    await cache.savePosition({ lastId: 7, gaps: [[5, 100]], savedAtMs: 123 }, 60);
    expect(await cache.loadPosition()).toEqual({ lastId: 7, gaps: [[5, 100]], savedAtMs: 123 });
    expect(await client.ttl("p:revocation-feed-position")).toBeGreaterThan(50);
  });
});

describe("guardSessionReads", () => {
  it("answers session-token reads with null while the sync is not current, and passes everything else", async () => {
    let current = false;
    const storage = { get: async (key: string) => `value of ${key}`, set: async () => {} };
    const guarded = guardSessionReads(storage, () => current);
    const tokenKey = "A".repeat(32);
    expect(await guarded.get(tokenKey)).toBeNull();
    expect(await guarded.get("active-sessions-u1")).toBe("value of active-sessions-u1");
    expect(await guarded.get("revoked-sessions-before-u1")).toBe("value of revoked-sessions-before-u1");
    current = true;
    expect(await guarded.get(tokenKey)).toBe(`value of ${tokenKey}`);
    expect(guarded.set).toBe(storage.set);
  });
});
