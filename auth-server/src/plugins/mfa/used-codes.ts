import type { Kysely } from "kysely";

/**
 * TOTP codes already accepted, per user, until they can no longer verify (RFC 6238 §5.2: "the
 * verifier MUST NOT accept the second attempt of the same OTP after the successful validation").
 * better-auth's TOTP check accepts a code for ±1 period (90 s); a code is claimed before it is
 * checked, and the claim is a primary-key insert, so two concurrent uses on any instances cannot
 * both pass. A wrong code's claim is released.
 */
export class UsedCodes {
  /** How long a claim lasts, in seconds: longer than the 90 s a code verifies for. */
  static readonly TTL_SECONDS = 120;

  constructor(private readonly db: Kysely<any>) {}

  /** Claims `code` for `userId`; false when it was used (or is being used) already. */
  async claim(userId: string, code: string, now = Date.now()): Promise<boolean> {
    const nowS = Math.floor(now / 1000);
    await this.db.deleteFrom("totp_used_codes").where("expires_at", "<", nowS).execute();
    const inserted = await this.db
      .insertInto("totp_used_codes")
      .values({ user_id: userId, code, expires_at: nowS + UsedCodes.TTL_SECONDS })
      .onConflict((oc) => oc.columns(["user_id", "code"]).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives back a claim whose code turned out wrong (so a typo is not remembered). */
  async release(userId: string, code: string): Promise<void> {
    await this.db.deleteFrom("totp_used_codes").where("user_id", "=", userId).where("code", "=", code).execute();
  }

  /** Forgets every claim of a user (their TOTP was reset). */
  async forget(userId: string): Promise<void> {
    await this.db.deleteFrom("totp_used_codes").where("user_id", "=", userId).execute();
  }
}
