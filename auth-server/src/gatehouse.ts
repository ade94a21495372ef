import { createApp } from "./app.js";
import { type Auth, createAuth } from "./auth.js";
import { type Database, openDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { pruneRevocations } from "./db/prune.js";
import { createMailer, type Mailer } from "./email/index.js";
import type { Env } from "./env.js";
import { createLogger, type Logger } from "./logger.js";
import type { PasswordHasher } from "./password.js";
import { connectRedis } from "./storage/redis.js";
import { RevocationCacheSync } from "./storage/revocation-sync.js";

/** A fully wired auth server: what `index.ts` serves and what tests drive with `app.request()`. */
export interface Gatehouse {
  env: Env;
  app: ReturnType<typeof createApp>;
  auth: Auth;
  database: Database;
  mailer: Mailer;
  logger: Logger;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Starts background work (the Redis revocation sync when REDIS_URL is set). Call after migrate(). */
  startBackground(): Promise<void>;
  close(): Promise<void>;
}

/** Composition root: opens the database and mail transport and builds auth and app on them. */
export interface GatehouseOverrides {
  mailer?: Mailer;
  logger?: Logger;
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
}

export function createGatehouse(env: Env, overrides: GatehouseOverrides = {}): Gatehouse {
  const database = openDatabase(env.DATABASE_URL);
  const mailer = overrides.mailer ?? createMailer(env);
  const logger = overrides.logger ?? createLogger(env.LOG_LEVEL);
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL) : null;
  const revocationSync = redis ? new RevocationCacheSync(database.db, redis.storage, logger) : null;
  let pruneTimer: NodeJS.Timeout | null = null;
  const auth = createAuth({
    env,
    database,
    mailer,
    logger,
    secondaryStorage: redis?.storage,
    wrapHasher: overrides.wrapHasher,
  });
  const app = createApp({ env, auth, database, mailer, logger });
  return {
    env,
    app,
    auth,
    database,
    mailer,
    logger,
    migrate: () => migrate(database, auth.options),
    startBackground: async () => {
      await revocationSync?.start();
      // The revocation feed only needs recent rows; every instance prunes, deletes are idempotent.
      const prune = () =>
        pruneRevocations(database.db, database.kind).catch((err: unknown) =>
          logger.warn({ err }, "could not prune the revocation feed"),
        );
      await prune();
      pruneTimer = setInterval(prune, 15 * 60 * 1000);
      pruneTimer.unref();
    },
    async close() {
      if (pruneTimer) clearInterval(pruneTimer);
      await revocationSync?.stop();
      await mailer.close();
      await redis?.close();
      await database.close();
    },
  };
}
