import { type Kysely, sql } from "kysely";
import type { DatabaseKind } from "../../db/database.js";
import type { Logger } from "../../logger.js";

/** How the recorder trades freshness for writes. */
export interface SessionActivityOptions {
  /**
   * A session's `last_active_at` is written at most once per this many seconds per instance
   * (default 60). 0 turns recording off: lists then show each session's creation time.
   */
  intervalSeconds?: number;
  /** Delay between the first use noted and the batch write that records it, in ms (default 1000). */
  flushDelayMs?: number;
  /** Sessions whose last write time is remembered for throttling (default 100 000; ~10 MB). */
  maxTracked?: number;
}

/** Counters for tests and the benchmark: what the recorder did since it started. */
export interface SessionActivityStats {
  /** Uses noted (calls of `touch`). */
  touches: number;
  /** Uses that will be written (the rest fell inside a session's interval). */
  queued: number;
  /** Batch writes issued, and rows they covered. */
  flushes: number;
  rowsWritten: number;
}

/**
 * Sessions' real last-active time (`user_sessions.last_active_at`), recorded cheaply. better-auth's
 * `updatedAt` moves only when a session is extended (at most once per `updateAge`, a day by
 * default), too coarse to tell two sessions of one browser apart.
 *
 * Cost model: `touch` runs on the request path and only reads and writes two Maps (no I/O, no
 * promise); a session is queued at most once per `intervalSeconds`, and queued sessions are
 * written together after `flushDelayMs`, in one statement on PostgreSQL and one transaction on
 * SQLite, off the request's critical path. So the database sees at most one row update per
 * active session per interval per instance, however many requests the session makes. Only the
 * column is written: the triggers on `user_sessions` watch `expires_at` and deletes, so a touch
 * feeds nothing to the revocation feed, and the Redis session copy is not involved.
 *
 * Callers must only touch sessions they resolved as valid: ids come from better-auth's session
 * lookups (after the session rule) and the fast /me path's verified lookup, never from input.
 */
export class SessionActivity {
  readonly intervalMs: number;
  private readonly flushDelayMs: number;
  private readonly maxTracked: number;
  /** Session id → when its last write was queued (epoch ms). */
  private readonly queuedAt = new Map<string, number>();
  /** Session id → the use time to write at the next flush. */
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  private closed = false;
  readonly stats: SessionActivityStats = { touches: 0, queued: 0, flushes: 0, rowsWritten: 0 };

  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
    private readonly logger: Pick<Logger, "warn">,
    options: SessionActivityOptions = {},
  ) {
    const interval = options.intervalSeconds ?? 60;
    if (!Number.isFinite(interval) || interval < 0) throw new Error("sessionActivity: intervalSeconds must be ≥ 0");
    this.intervalMs = interval * 1000;
    this.flushDelayMs = options.flushDelayMs ?? 1000;
    this.maxTracked = options.maxTracked ?? 100_000;
  }

  /** Whether uses are recorded at all (`intervalSeconds` > 0). */
  get enabled(): boolean {
    return this.intervalMs > 0;
  }

  /** Notes that session `sessionId` was used at `now` (epoch ms). Cheap; never throws, never waits. */
  touch(sessionId: string, now: number = Date.now()): void {
    if (this.intervalMs === 0 || this.closed) return;
    this.stats.touches++;
    const last = this.queuedAt.get(sessionId);
    if (last !== undefined && now - last < this.intervalMs) return;
    if (last === undefined && this.queuedAt.size >= this.maxTracked) this.forgetOld(now);
    this.queuedAt.set(sessionId, now);
    this.pending.set(sessionId, now);
    this.stats.queued++;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushDelayMs);
      this.timer.unref();
    }
  }

  /** Writes every queued use now (shutdown and tests); resolves when the write is done. */
  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.size > 0) {
      this.pending = new Map();
      // Writes run one after another, so a later use never lands before an earlier one.
      this.inFlight = this.inFlight.then(() => this.write(batch));
    }
    await this.inFlight;
  }

  /**
   * When each of `sessionIds` was last active (epoch ms) as stored; ids never recorded are absent.
   * Uses still queued count too, so a list read right after a request shows it.
   */
  async lastActive(sessionIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (sessionIds.length === 0) return out;
    const rows = await this.db
      .selectFrom("user_sessions")
      .select(["id", "last_active_at"])
      .where("id", "in", [...sessionIds])
      .execute();
    for (const r of rows) {
      const t = r.last_active_at ? new Date(r.last_active_at as string | Date).getTime() : Number.NaN;
      if (!Number.isNaN(t)) out.set(r.id as string, t);
    }
    for (const id of sessionIds) {
      const queued = this.pending.get(id);
      if (queued !== undefined && queued > (out.get(id) ?? 0)) out.set(id, queued);
    }
    return out;
  }

  /** Writes what is queued and stops taking uses. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Drops throttle entries whose interval has passed (they would be written again anyway). */
  private forgetOld(now: number): void {
    for (const [id, at] of this.queuedAt) if (now - at >= this.intervalMs) this.queuedAt.delete(id);
    // Every entry still inside its interval: forget them all rather than grow without bound; the
    // cost is at most one extra write per session.
    if (this.queuedAt.size >= this.maxTracked) this.queuedAt.clear();
  }

  private async write(batch: Map<string, number>): Promise<void> {
    try {
      if (this.kind === "postgres") {
        const ids = [...batch.keys()];
        const times = ids.map((id) => new Date(batch.get(id) as number).toISOString());
        // One statement for the whole batch; the guard keeps a slower instance from moving it back.
        await sql`update user_sessions as s set last_active_at = v.t
          from unnest(${ids}::text[], ${times}::timestamptz[]) as v(id, t)
          where s.id = v.id and (s.last_active_at is null or s.last_active_at < v.t)`.execute(this.db);
      } else {
        await this.db.transaction().execute(async (trx) => {
          for (const [id, at] of batch) {
            // ISO text with milliseconds, as better-auth stores dates on SQLite (sorts as time).
            const t = new Date(at).toISOString();
            await trx
              .updateTable("user_sessions")
              .set({ last_active_at: t })
              .where("id", "=", id)
              .where((eb) => eb.or([eb("last_active_at", "is", null), eb("last_active_at", "<", t)]))
              .execute();
          }
        });
      }
      this.stats.flushes++;
      this.stats.rowsWritten += batch.size;
    } catch (err) {
      // Advisory data: log, and let the next use of these sessions queue them again.
      for (const id of batch.keys()) this.queuedAt.delete(id);
      this.logger.warn({ err, sessions: batch.size }, "could not record sessions' last activity");
    }
  }
}
