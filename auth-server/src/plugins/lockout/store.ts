import type { Kysely } from "kysely";
import type { DatabaseKind } from "../../db/database.js";

/**
 * Per-account throttling of failed sign-ins, shared by every instance through the database, so an
 * attacker rotating IP addresses still gets slower with every wrong guess at one account.
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

/** Delay after `failures` consecutive failures: doubling from 1 s past the free attempts. */
export function lockoutDelaySeconds(failures: number, policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
  if (failures < policy.freeAttempts) return 0;
  return Math.min(2 ** (failures - policy.freeAttempts), policy.maxDelaySeconds);
}

/**
 * The failed-sign-in counter per email (lower-cased), in `auth_login_failures`: every instance
 * reads and writes the same rows, so the throttle holds across a cluster.
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

  /** Seconds until the account may try again, or 0. Unknown emails are tracked the same way. */
  async retryAfter(email: string, now = new Date()): Promise<number> {
    const row = await this.db
      .selectFrom("auth_login_failures")
      .select("locked_until")
      .where("email", "=", email.toLowerCase())
      .executeTakeFirst();
    if (!row?.locked_until) return 0;
    const until = new Date(row.locked_until as string | Date).getTime();
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
  }

  /** Counts one more consecutive failure and sets the next allowed time. */
  async recordFailure(email: string, now = new Date()): Promise<number> {
    const key = email.toLowerCase();
    await this.db
      .insertInto("auth_login_failures")
      .values({ email: key, failures: 1, locked_until: null, updated_at: this.toDb(now) })
      .onConflict((oc) =>
        oc.column("email").doUpdateSet((eb) => ({
          failures: eb("auth_login_failures.failures", "+", 1),
          updated_at: this.toDb(now),
        })),
      )
      .execute();
    const row = await this.db
      .selectFrom("auth_login_failures")
      .select("failures")
      .where("email", "=", key)
      .executeTakeFirstOrThrow();
    const failures = Number(row.failures);
    const delay = lockoutDelaySeconds(failures, this.policy);
    const lockedUntil =
      failures >= this.policy.hardLimit ? LOCKED_FOR_GOOD : delay > 0 ? new Date(now.getTime() + delay * 1000) : null;
    await this.db
      .updateTable("auth_login_failures")
      .set({ locked_until: lockedUntil ? this.toDb(lockedUntil) : null })
      .where("email", "=", key)
      .execute();
    return failures;
  }

  /** A successful sign-in or a password reset ends the streak. */
  async clear(email: string): Promise<void> {
    await this.db.deleteFrom("auth_login_failures").where("email", "=", email.toLowerCase()).execute();
  }
}
