import { createRequire } from "node:module";
import { redisStorage } from "@better-auth/redis-storage";
import type { Redis } from "ioredis";

/** The secondary-storage contract better-auth takes (sessions cache, rate limits, verification). */
export type SecondaryStorage = ReturnType<typeof redisStorage>;

/** Prefix of every key Gatehouse keeps in Redis (better-auth's and the revocation sync's). */
export const REDIS_KEY_PREFIX = "gatehouse:";

/**
 * Connects to REDIS_URL and wraps it as better-auth secondary storage. Every instance sharing the
 * Redis shares rate-limit counters; sessions are still written to the database as well. `client`
 * is the same connection, for the revocation sync (which needs SCAN and scripts) and the internal
 * API's jti store (SET NX).
 */
export function connectRedis(url: string): { storage: SecondaryStorage; client: Redis; close(): Promise<void> } {
  // Loaded only when REDIS_URL is set: a server without Redis saves its memory.
  const { Redis: RedisClient } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
  const client = new RedisClient(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false });
  // Connection errors surface on the commands that need Redis; an idle reconnect must not crash us.
  client.on("error", () => {});
  return {
    storage: redisStorage({ client, keyPrefix: REDIS_KEY_PREFIX }),
    client,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
