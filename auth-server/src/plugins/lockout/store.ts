import type { Kysely } from "kysely";
import type { DatabaseKind } from "../../db/database.js";

/**
 * Per-account throttling of failed password checks, shared by every instance through the database,
 * so an attacker rotating IP addresses still gets slower with every wrong guess at one account.
 * NIST SP 800-63B §5.2.2: at most 100 consecutive failures before the account is locked.
 */
export interface LockoutPolicy {
  /** Failures allowed before any delay. */
  freeAttempts: number;
  /** Longest delay between attempts once throttled, in seconds. */
  maxDelaySeconds: number;
  /** Consecutive failures after which only a password reset unlocks the account. */
  hardLimit: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { freeAttempts: 5, maxDelaySeconds: 15 * 60, hardLimit: 100 };

/** Far enough away to mean "until a reset clears it". */
const LOCKED_FOR_GOOD = new Date("9999-01-01T00:00:00.000Z");

/**
 * How long an attempt waits for attempts already in flight on the same account (each takes one
 * password hash) before it is refused, and how often it looks.
 */
const MAX_WAIT_MS = 10_000;
const POLL_MS = 25;
/** A reservation older than this without an answer belongs to a request that died: count it. */
const ABANDONED_MS = 30_000;

/** Delay after `failures` consecutive failures: doubling from 1 s past the free attempts. */
export function lockoutDelaySeconds(failures: number, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  if (failures < policy.freeAttempts) return 0;
  return Math.min(2 ** (failures - policy.freeAttempts), policy.maxDelaySeconds);
}

/** What a reservation gave: the attempt may go ahead, or must wait this many seconds. */
export type Reservation = { granted: true } | { granted: false; retryAfterSeconds: number };

/**
 * The failed-attempt counter per email (lower-cased), in `auth_login_failures`: every instance
 * reads and writes the same rows, so the throttle holds across a cluster.
 *
 * An attempt is counted *before* its password is checked (`reserve`), by a compare-and-set on the
 * row, so parallel attempts cannot all read "not throttled" and then all be checked. `failures`
 * counts failed attempts and attempts still being checked; a lock (`locked_until`) is set only
 * by a confirmed failure (`confirmFailure`), or by the one attempt a throttled account gets once
 * its delay has run out. While the free attempts are all in flight, a further attempt waits for
 * their answers instead of being refused: a right one ends the streak (`clear`) and lets it
 * through, wrong ones lock the account and it is refused.
 */
export class LockoutStore {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
    private readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
  ) {}

  private toDb(d: Date): Date | string {
    return this.kind === "sqlite" ? d.toISOString() : d;
  }

  private lockFor(failures: number, now: Date): Date | null {
    if (failures >= this.policy.hardLimit) return LOCKED_FOR_GOOD;
    const delay = lockoutDelaySeconds(failures, this.policy);
    return delay > 0 ? new Date(now.getTime() + delay * 1000) : null;
  }

  /** Seconds until the account may try again, or 0. Unknown emails are tracked the same way. */
  async retryAfter(email: string, now = new Date()): Promise<number> {
    const row = await this.read(email.toLowerCase());
    return row ? secondsUntil(row.lockedUntil, now) : 0;
  }

  /**
   * Counts one attempt at `email` as failed unless it is shown right later, atomically, before
   * the password is checked. Refused (with the wait in seconds) while the account is throttled.
   */
  async reserve(email: string): Promise<Reservation> {
    const key = email.toLowerCase();
    // Monotonic: the wall clock may jump.
    const deadline = performance.now() + MAX_WAIT_MS;
    for (;;) {
      const now = new Date();
      const row = await this.read(key);
      if (!row) {
        const inserted = await this.db
          .insertInto("auth_login_failures")
          .values({ email: key, failures: 1, locked_until: null, updated_at: this.toDb(now) })
          .onConflict((oc) => oc.column("email").doNothing())
          .returning("email")
          .executeTakeFirst();
        if (inserted) return { granted: true };
        continue;
      }
      const wait = secondsUntil(row.lockedUntil, now);
      if (wait > 0) return { granted: false, retryAfterSeconds: wait };
      let lock: Date | null = null;
      if (row.failures >= this.policy.freeAttempts) {
        // Past the free attempts with no lock yet: some are still being checked. Wait for them.
        const settled = row.lockedUntil !== null || now.getTime() - row.updatedAt.getTime() > ABANDONED_MS;
        if (!settled) {
          if (performance.now() > deadline) return { granted: false, retryAfterSeconds: 1 };
          await new Promise((r) => setTimeout(r, POLL_MS));
          continue;
        }
        // Throttled and its delay has run out: this attempt is the one of the window.
        lock = this.lockFor(row.failures + 1, now);
      }
      // Compare-and-set on the count read: a parallel attempt that reserved first makes this match
      // nothing, and the loop reads its result before deciding.
      const updated = await this.db
        .updateTable("auth_login_failures")
        .set({ failures: row.failures + 1, locked_until: lock ? this.toDb(lock) : null, updated_at: this.toDb(now) })
        .where("email", "=", key)
        .where("failures", "=", row.failures)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return { granted: true };
    }
  }

  /**
   * A reserved attempt turned out wrong: past the free attempts the account is locked, the delay
   * counting from now (the answer), so the next attempt waits the full delay after this one.
   */
  async confirmFailure(email: string, now = new Date()): Promise<void> {
    const key = email.toLowerCase();
    const row = await this.read(key);
    const lock = row ? this.lockFor(row.failures, now) : null;
    if (!row || !lock || (row.lockedUntil && row.lockedUntil >= lock)) return;
    await this.db
      .updateTable("auth_login_failures")
      .set({ locked_until: this.toDb(lock) })
      .where("email", "=", key)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", this.toDb(lock))]))
      .execute();
  }

  /**
   * Gives back an attempt reserved for a request that never compared the password (refused for
   * another reason first). A lock it may have set stays until it runs out: failing closed.
   */
  async release(email: string): Promise<void> {
    await this.db
      .updateTable("auth_login_failures")
      .set((eb) => ({ failures: eb("failures", "-", 1) }))
      .where("email", "=", email.toLowerCase())
      .where("failures", ">", 0)
      .execute();
  }

  /** A right password or a password reset ends the streak. */
  async clear(email: string): Promise<void> {
    await this.db.deleteFrom("auth_login_failures").where("email", "=", email.toLowerCase()).execute();
  }

  private async read(key: string): Promise<{ failures: number; lockedUntil: Date | null; updatedAt: Date } | null> {
    const row = await this.db
      .selectFrom("auth_login_failures")
      .select(["failures", "locked_until", "updated_at"])
      .where("email", "=", key)
      .executeTakeFirst();
    if (!row) return null;
    return {
      failures: Number(row.failures),
      lockedUntil: row.locked_until ? new Date(row.locked_until as string | Date) : null,
      updatedAt: new Date(row.updated_at as string | Date),
    };
  }
}

function secondsUntil(until: Date | null, now: Date): number {
  if (!until) return 0;
  const ms = until.getTime() - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}
