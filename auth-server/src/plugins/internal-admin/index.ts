import type { BetterAuthPlugin } from "better-auth";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import { DatabaseJtiStore, type JtiStore, RedisJtiStore } from "./replay.js";
import { internalAdminEndpoints } from "./routes.js";
import { serviceTokenKey } from "./service-token.js";

export { DatabaseJtiStore, type JtiStore, RedisJtiStore } from "./replay.js";
export { INTERNAL_PREFIX } from "./routes.js";
export {
  bodyHash,
  SERVICE_TOKEN_AUDIENCE,
  SERVICE_TOKEN_HEADER,
  SERVICE_TOKEN_ISSUER,
  SERVICE_TOKEN_KEY_INFO,
  serviceTokenKey,
} from "./service-token.js";

export interface InternalAdminOptions {
  /** BETTER_AUTH_SECRET: the service-token key is derived from it (HKDF, see service-token.ts). */
  secret: string;
  /** The database the jti store falls back to. */
  db: Kysely<any>;
  /** With Redis configured, jtis are remembered there instead. */
  redis?: Redis;
  /** ADMIN_REQUIRE_MFA: admin actions need an acting session signed in with a second factor. */
  adminRequireMfa: boolean;
}

/**
 * The internal admin API as a better-auth plugin: the backend performs every identity change
 * (role, ban, profile, session revocation) through these endpoints, so the auth server stays the
 * only writer of identity tables and its hooks, secondary storage and feed run once, in one place.
 * Reachable only with a service token (never with a user's credentials), replay-safe across
 * instances, the acting user re-authorised here and recorded in the audit trail.
 */
export function internalAdminApi({ secret, db, redis, adminRequireMfa }: InternalAdminOptions) {
  const replay: JtiStore = redis ? new RedisJtiStore(redis) : new DatabaseJtiStore(db);
  return {
    id: "gatehouse-internal-admin",
    endpoints: internalAdminEndpoints({ key: serviceTokenKey(secret), replay, adminRequireMfa }),
  } satisfies BetterAuthPlugin;
}
