import type { Kysely } from "kysely";
import { FeedKind, REVOCATION_CACHE_TRUST_MS } from "../contract.gen.js";
import type { DatabaseKind } from "../db/database.js";
import { REVOCATION_RETENTION_MS } from "../db/prune.js";
import type { Logger } from "../logger.js";
import { FEED_CURSOR_DEFAULTS, FeedCursor } from "./feed-cursor.js";
import { type FeedRow, FeedSource } from "./feed-source.js";
import type { RedisSessionCache } from "./session-cache.js";
import { reconcileCachedSessions } from "./session-reconcile.js";

/** Tuning; the defaults are what production runs. */
export interface RevocationSyncOptions {
  /** How often the long-running server reads the feed (ms). */
  intervalMs: number;
  /** The start-up window and how long an id may stay a gap (ms): a 15-minute JWT plus leeway. */
  windowMs: number;
  /** A saved position older than this is not trusted (rows after it may have been pruned). */
  resumeLimitMs: number;
  /** Rows per read. */
  batch: number;
  /** Unless the newest read that succeeded began at most this long ago, session lookups skip the cache (ms). */
  maxStalenessMs: number;
}

export const REVOCATION_SYNC_DEFAULTS: RevocationSyncOptions = {
  intervalMs: 250,
  windowMs: FEED_CURSOR_DEFAULTS.gapTtlMs,
  // An hour of margin below the retention: pruning runs every 15 minutes (or daily from a cron).
  resumeLimitMs: REVOCATION_RETENTION_MS - 3_600_000,
  batch: 500,
  // Half the one-second promise (contract.revocation): the cache answers only from a read that began after
  // any revocation older than this; the other half is for the database read and the request itself.
  maxStalenessMs: REVOCATION_CACHE_TRUST_MS,
};

/** Batches one `catchUp` reads at most; the rest waits for the next tick. */
const MAX_BATCHES = 20;
/** Batches the start-up window may take: it must be read whole before gaps are marked. */
const START_MAX_BATCHES = 100_000;
/** A position unchanged this long is saved anyway, so its age says how current it is. */
const SAVE_EVERY_MS = 30_000;

/**
 * With Redis, better-auth answers get-session (and every route built on it: /me's fallback,
 * /token, list-sessions) from its cache first, so a session deleted in the database by another
 * writer or another instance lives on in the cache until its entry expires. This follows the
 * revocation feed with the shared cursor (feed-cursor.ts) and edits the cache as better-auth
 * itself would: evicts the deleted session's entry, sets the per-user "revoked before" cut-off for
 * a ban or deletion, rewrites the cached user on a role, ban or email change.
 *
 * Its position is kept in Redis beside the cache, so a restart (of one instance or all) resumes
 * where the cache was left. With no usable position (first start, Redis flushed, a position older
 * than the feed's retention, a different database) nothing says what the cache missed, so every
 * cached session is compared with the database and the stale ones are evicted.
 *
 * Every instance runs it on the same cache: evictions are idempotent, and any instance's saved
 * position is true of the shared cache (it only moves past rows already applied to it).
 */
export class RevocationCacheSync {
  private readonly cursor: FeedCursor;
  private readonly source: FeedSource;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private loaded = false;
  private clockOffsetMs = 0;
  private lastSavedJson = "";
  private lastSavedAt = 0;
  /**
   * When the newest read that succeeded and left nothing unread began (`performance.now()`, a monotonic clock:
   * a wall-clock step back must not keep the cache "current"). A read that stopped at its batch limit does
   * not count: rows committed before it began may be among those it left.
   */
  private lastOkAt: number | null = null;
  /** Whether the last read stopped at its batch limit with rows left. */
  private behind = false;
  readonly counters = { reads: 0, applied: 0, reconciled: 0, evicted: 0, expiredGaps: 0, failures: 0 };

  constructor(
    private readonly db: Kysely<any>,
    kind: DatabaseKind,
    /** The Redis cache it keeps in step (exposed for diagnostics and tests). */
    readonly cache: RedisSessionCache,
    private readonly logger: Logger,
    private readonly options: RevocationSyncOptions = REVOCATION_SYNC_DEFAULTS,
  ) {
    this.source = new FeedSource(db, kind);
    this.cursor = new FeedCursor({ ...FEED_CURSOR_DEFAULTS, gapTtlMs: options.windowMs });
  }

  /** Catches up once, then keeps reading every `intervalMs` (long-running servers). */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One scheduled read; a read that stopped at its batch limit is followed at once by the next. */
  private async tick(): Promise<void> {
    try {
      await this.catchUp();
      if (this.behind && this.timer)
        setImmediate(() => {
          if (this.timer) void this.tick(); // not after stop()
        });
    } catch (err) {
      this.logger.warn({ err }, "revocation cache sync failed; retrying");
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Serverless: no timer survives between invocations, so a request catches the cache up first
   * when the last read began more than `maxAgeMs` ago (concurrent requests share one read).
   */
  async catchUpIfOlderThan(maxAgeMs: number): Promise<void> {
    if (this.lastOkAt !== null && performance.now() - this.lastOkAt <= maxAgeMs) return;
    await this.catchUp();
  }

  /** Reads and applies what is new (loading the position first if needed); returns rows applied. */
  catchUp(): Promise<number> {
    this.running ??= this.readOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Whether the cache is known to reflect the feed as of at most `maxStalenessMs` ago. */
  isCurrent(): boolean {
    return this.lastOkAt !== null && performance.now() - this.lastOkAt <= this.options.maxStalenessMs;
  }

  /** The cursor's state, for tests and diagnostics. */
  get position(): { lastId: number; gaps: number[] } {
    const { afterId, gaps } = this.cursor.query();
    return { lastId: afterId, gaps };
  }

  private dbNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private async readOnce(): Promise<number> {
    const began = performance.now();
    try {
      let applied = 0;
      if (!this.loaded) applied += await this.load();
      const now = this.dbNow();
      const result = await this.cursor.catchUp(this.source.read, this.apply, now, {
        batch: this.options.batch,
        maxBatches: MAX_BATCHES,
      });
      applied += result.applied;
      const given = this.cursor.expire(now);
      if (given.length > 0) {
        this.counters.expiredGaps += given.length;
        this.logger.warn({ ids: given }, "revocation feed ids never committed within the window; no longer waited for");
      }
      await this.cache.recheck();
      await this.save(now);
      this.counters.reads++;
      this.behind = result.more;
      if (!result.more) this.lastOkAt = began;
      return applied;
    } catch (err) {
      this.counters.failures++;
      throw err;
    }
  }

  /** Takes over the saved position, or starts from the window and reconciles the cache. */
  private async load(): Promise<number> {
    const bounds = await this.source.bounds(this.options.windowMs);
    this.clockOffsetMs = bounds.nowMs - Date.now();
    const saved = await this.cache.loadPosition();
    let why: string | null = "no saved position";
    if (saved) {
      if (!(bounds.nowMs - saved.savedAtMs <= this.options.resumeLimitMs)) why = "saved position older than the feed";
      else if (!(saved.lastId <= bounds.newest)) why = "saved position ahead of the feed (another database?)";
      else {
        try {
          this.cursor.restore(saved);
          why = null;
        } catch {
          why = "saved position unreadable";
        }
      }
    }
    let applied = 0;
    if (why !== null) {
      applied = await this.cursor.start(bounds, this.source.read, this.apply, {
        batch: this.options.batch,
        maxBatches: START_MAX_BATCHES,
      });
      const { checked, evicted } = await reconcileCachedSessions(this.cache, this.db);
      this.counters.reconciled += checked;
      this.counters.evicted += evicted;
      this.logger.info({ why, checked, evicted, lastId: this.cursor.lastId }, "revocation cache reconciled");
    }
    this.loaded = true;
    return applied;
  }

  private async save(now: number): Promise<void> {
    const json = JSON.stringify(this.cursor.snapshot());
    if (json === this.lastSavedJson && now - this.lastSavedAt < SAVE_EVERY_MS) return;
    await this.cache.savePosition({ ...this.cursor.snapshot(), savedAtMs: now }, this.options.resumeLimitMs / 1000);
    this.lastSavedJson = json;
    this.lastSavedAt = now;
  }

  private readonly apply = async (rows: FeedRow[]): Promise<void> => {
    for (const row of rows) {
      if (!row.userId) continue;
      switch (row.kind) {
        case FeedKind.SESSION:
        case FeedKind.SESSION_CHANGED: // evicted either way: better-auth then reads the row as it now is
          if (row.sessionId) this.counters.evicted += await this.cache.evictSession(row.userId, row.sessionId);
          break;
        case FeedKind.USER:
          await this.cache.cutOffUser(row.userId, row.createdAtMs);
          break;
        case FeedKind.USER_CHANGED:
          await this.cache.refreshUser(row.userId, await this.loadUser(row.userId));
          break;
        case FeedKind.PASSWORD:
          break; // the sessions it revoked arrive as their own 'session' rows
        default:
          // A kind newer than this code: assume the worst about that user's cached sessions.
          this.counters.evicted += await this.cache.evictUserSessions(row.userId);
      }
    }
    this.counters.applied += rows.length;
  };

  /** The user's fields as better-auth caches them, or null when the user is gone. */
  private async loadUser(userId: string): Promise<Record<string, unknown> | null> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!row) return null;
    const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string | Date).toISOString());
    return {
      email: row.email,
      name: row.name,
      image: row.image ?? null,
      emailVerified: Boolean(row.email_verified),
      role: row.role ?? null,
      banned: row.banned == null ? null : Boolean(row.banned),
      banReason: row.ban_reason ?? null,
      banExpires: iso(row.ban_expires),
      updatedAt: iso(row.updated_at),
    };
  }
}
