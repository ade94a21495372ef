import { createApp } from "./app.js";
import { type Auth, createAuth } from "./auth.js";
import { BackgroundTasks } from "./background.js";
import { type Database, openDatabase } from "./db/database.js";
import { type MigrateOptions, migrate } from "./db/migrate.js";
import { pruneRevocations } from "./db/prune.js";
import { createMailer, type Mailer } from "./email/index.js";
import type { Env } from "./env.js";
import { createLogger, type Logger } from "./logger.js";
import type { PasswordHasher } from "./password.js";
import { SessionActivity } from "./plugins/session-activity/index.js";
import { connectRedis, REDIS_KEY_PREFIX } from "./storage/redis.js";
import { RevocationCacheSync } from "./storage/revocation-sync.js";
import { guardSessionReads, RedisSessionCache } from "./storage/session-cache.js";

/** A fully wired auth server: what `index.ts` serves and what tests drive with `app.request()`. */
export interface Gatehouse {
  env: Env;
  app: ReturnType<typeof createApp>;
  auth: Auth;
  database: Database;
  mailer: Mailer;
  logger: Logger;
  /** Records sessions' last-active time (throttled, batched; plugins/session-activity). */
  sessionActivity: SessionActivity;
  /** Keeps better-auth's Redis session cache in step with the revocation feed (null without Redis). */
  revocationSync: RevocationCacheSync | null;
  /**
   * Applies pending migrations; returns their names. @throws StockSchemaError when the database holds
   * stock better-auth users never imported (see db/stock-schema.ts).
   */
  migrate(options?: MigrateOptions): Promise<string[]>;
  /** Starts background work (the Redis revocation sync when REDIS_URL is set). Call after migrate(). */
  startBackground(): Promise<void>;
  /** Resolves once the work answers left behind (mails, a reset request's token) has settled. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Composition root: opens the database and mail transport and builds auth and app on them. */
export interface GatehouseOverrides {
  mailer?: Mailer;
  logger?: Logger;
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
  /** Told of every background task (a host that freezes after the answer, e.g. Vercel's waitUntil). */
  keepAlive?: (task: Promise<unknown>) => void;
}

export function createGatehouse(env: Env, overrides: GatehouseOverrides = {}): Gatehouse {
  const database = openDatabase(env.DATABASE_URL, { statementTimeoutSeconds: env.DATABASE_STATEMENT_TIMEOUT_SECONDS });
  const mailer = overrides.mailer ?? createMailer(env);
  const logger = overrides.logger ?? createLogger(env.LOG_LEVEL, undefined, env.LOG_FORMAT);
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL) : null;
  const revocationSync = redis
    ? new RevocationCacheSync(
        database.db,
        database.kind,
        // better-auth keeps a cut-off as long as its longest session (internal-adapter revokedBeforeTTL).
        new RedisSessionCache(redis.client, REDIS_KEY_PREFIX, {
          cutOffTtlSeconds: Math.max(env.SESSION_EXPIRES_IN_SECONDS, 86_400),
        }),
        logger,
      )
    : null;
  let pruneTimer: NodeJS.Timeout | null = null;
  const sessionActivity = new SessionActivity(database.db, database.kind, logger, {
    intervalSeconds: env.SESSION_ACTIVITY_INTERVAL_SECONDS,
  });
  const background = new BackgroundTasks(logger, overrides.keepAlive);
  const auth = createAuth({
    env,
    database,
    mailer,
    logger,
    // Session reads skip Redis whenever the revocation sync is not current (fail safe).
    secondaryStorage:
      redis && revocationSync ? guardSessionReads(redis.storage, () => revocationSync.isCurrent()) : undefined,
    redis: redis?.client,
    wrapHasher: overrides.wrapHasher,
    sessionActivity,
    backgroundTasks: background.handler,
  });
  const app = createApp({ env, auth, database, mailer, logger, sessionActivity });
  return {
    env,
    app,
    auth,
    database,
    mailer,
    logger,
    sessionActivity,
    revocationSync,
    migrate: async (options) => {
      if (database.kind !== "postgres") return migrate(database, auth.options, options);
      // Schema changes may outlast a request's statement timeout (an index built on a large table, or
      // waiting for another instance's migration lock): their own connections, without it.
      const own = openDatabase(env.DATABASE_URL, { poolSize: 2 });
      try {
        return await migrate(own, { ...auth.options, database: { db: own.db, type: own.kind } }, options);
      } finally {
        await own.close();
      }
    },
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
    settled: () => background.drain(),
    async close() {
      if (pruneTimer) clearInterval(pruneTimer);
      await sessionActivity.close();
      await revocationSync?.stop();
      // Mails already promised by an answer go out before the transport closes.
      await background.drain();
      await mailer.close();
      await redis?.close();
      await database.close();
    },
  };
}
