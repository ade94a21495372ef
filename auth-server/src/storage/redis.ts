import { redisStorage } from "@better-auth/redis-storage";
import { Redis } from "ioredis";

/** The secondary-storage contract better-auth takes (sessions cache, rate limits, verification). */
export type SecondaryStorage = ReturnType<typeof redisStorage>;

/**
 * Connects to REDIS_URL and wraps it as better-auth secondary storage. Every instance sharing the
 * Redis shares rate-limit counters; sessions are still written to the database as well.
 */
export function connectRedis(url: string): { storage: SecondaryStorage; close(): Promise<void> } {
  const client = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false });
  // Connection errors surface on the commands that need Redis; an idle reconnect must not crash us.
  client.on("error", () => {});
  return {
    storage: redisStorage({ client, keyPrefix: "gatehouse:" }),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
