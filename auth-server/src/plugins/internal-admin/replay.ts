import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { SERVICE_TOKEN_CLOCK_SKEW_S } from "./service-token.js";

/**
 * Where the jti of every accepted service token is remembered until the token expires, so a
 * captured token cannot be replayed. Shared by every auth server instance: a token used on one
 * instance is refused on all.
 */
export interface JtiStore {
  /** Remembers `jti` until `expiresAtS` (epoch seconds); false when it is already remembered (a replay). */
  claim(jti: string, expiresAtS: number): Promise<boolean>;
}

/** How often the database store deletes expired rows, in milliseconds. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The jti store in the database (`internal_api_jtis`, migration 0006): a primary-key insert that
 * does nothing on conflict, so two instances racing with one token cannot both win. Expired rows
 * are deleted by the instance that claims a jti at least a minute after its last clean-up, so no
 * timer is needed (serverless deployments included).
 */
export class DatabaseJtiStore implements JtiStore {
  private nextPruneAt = 0;

  constructor(private readonly db: Kysely<any>) {}

  async claim(jti: string, expiresAtS: number): Promise<boolean> {
    const now = Date.now();
    if (now >= this.nextPruneAt) {
      this.nextPruneAt = now + PRUNE_EVERY_MS;
      await this.prune(Math.floor(now / 1000));
    }
    const result = await this.db
      .insertInto("internal_api_jtis")
      .values({ jti, expires_at: expiresAtS + SERVICE_TOKEN_CLOCK_SKEW_S })
      .onConflict((oc) => oc.column("jti").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Deletes rows whose token can no longer verify; returns how many went. */
  async prune(nowS: number): Promise<number> {
    const result = await this.db.deleteFrom("internal_api_jtis").where("expires_at", "<", nowS).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** The jti store in Redis (when REDIS_URL is set): SET NX with the token's remaining life as TTL. */
export class RedisJtiStore implements JtiStore {
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix = "gatehouse:internal-jti:",
  ) {}

  async claim(jti: string, expiresAtS: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAtS + SERVICE_TOKEN_CLOCK_SKEW_S - Math.floor(Date.now() / 1000));
    return (await this.client.set(`${this.keyPrefix}${jti}`, "1", "EX", ttl, "NX")) === "OK";
  }
}
