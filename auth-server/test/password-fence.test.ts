import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashLegacyScrypt, type PasswordHasher } from "../src/password.js";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";
import { secondFactorSteps } from "./support/second-factor.js";

const NEW_PASSWORD = "a brand new passphrase";

/**
 * A sign-in racing a password reset (plugins/password-fence): the race is made deterministic by
 * holding the sign-in right after its password verified, running the reset, then letting it go on.
 */
describe.each(DB_KINDS)("password fence on %s", (kind) => {
  let s: TestServer;
  let held: { when: "before" | "after"; reached: () => void; release: Promise<void> } | null = null;
  /**
   * Holds the next verification (`before` it runs, or `after` it succeeded, its rehash written) until
   * the returned `release` is called.
   */
  function holdNextVerification(when: "before" | "after" = "after"): { reached: Promise<void>; release: () => void } {
    let reached: () => void = () => {};
    let release: () => void = () => {};
    const reachedP = new Promise<void>((r) => {
      reached = r;
    });
    const releaseP = new Promise<void>((r) => {
      release = r;
    });
    held = { when, reached, release: releaseP };
    return { reached: reachedP, release };
  }
  const hold = async (when: "before" | "after") => {
    const h = held;
    if (h?.when !== when) return;
    held = null;
    h.reached();
    await h.release;
  };
  const holding = (h: PasswordHasher): PasswordHasher => ({
    hash: (p) => h.hash(p),
    async verify(d) {
      await hold("before");
      const ok = await h.verify(d);
      if (ok) await hold("after");
      return ok;
    },
  });
  const f = secondFactorSteps(() => s, kind);
  beforeAll(async () => {
    s = await startTestServer(kind, {}, undefined, undefined, holding);
  });
  afterAll(async () => {
    await s.close();
  });

  /** Resets `email`'s password to `password` through the newest mailed link. */
  async function resetPassword(email: string, password = NEW_PASSWORD): Promise<void> {
    const asked = await f.post("/request-password-reset", {
      email,
      redirectTo: "http://localhost:5173/reset-password",
    });
    expect(asked.status).toBe(200);
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    expect((await f.post("/reset-password", { token, newPassword: password })).status).toBe(200);
  }
  /** Starts `request`, holds it once its password verified, resets `email`'s password meanwhile; its answer. */
  async function racingReset(email: string, request: () => Promise<Response>): Promise<Response> {
    const gate = holdNextVerification();
    const answer = request();
    await gate.reached;
    await resetPassword(email);
    gate.release();
    return answer;
  }
  const sessionsOf = (userId: string) =>
    s.gh.database.db.selectFrom("user_sessions").select("id").where("user_id", "=", userId).execute();
  /** A code of the next TOTP period (better-auth accepts ±1), unused by enrolment's. */
  const nextCode = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

  it("a sign-in that verified the old password while a reset ran opens no session", async () => {
    const email = "race-reset@example.com";
    const { userId } = await signUpVerified(s, email);
    const answer = await racingReset(email, () => f.post("/sign-in/email", { email, password: STRONG_PASSWORD }));
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "INVALID_EMAIL_OR_PASSWORD" });
    expect(cookiesFrom(answer)).not.toContain("session_token");
    expect(answer.headers.get("set-auth-token") ?? "").toBe("");
    expect(await sessionsOf(userId)).toEqual([]);
    // The new password opens one; the old one is refused as any wrong password.
    const fresh = await f.post("/sign-in/email", { email, password: NEW_PASSWORD });
    expect(fresh.status).toBe(200);
    expect((await f.post("/sign-in/email", { email, password: STRONG_PASSWORD })).status).toBe(401);
  });

  it("a sign-in that verified the password while nothing changed it keeps its session", async () => {
    const email = "race-control@example.com";
    const { userId } = await signUpVerified(s, email);
    const before = (await sessionsOf(userId)).length;
    const gate = holdNextVerification();
    const signIn = f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    await gate.reached;
    gate.release();
    expect((await signIn).status).toBe(200);
    expect(await sessionsOf(userId)).toHaveLength(before + 1);
  });

  it("a second-factor challenge issued for the old password is refused after the reset", async () => {
    const email = "race-2fa@example.com";
    const { userId, cookie } = await signUpVerified(s, email);
    const secret = await f.enrol(cookie);
    const challenge = await f.challengeFor(email);
    await resetPassword(email);
    const done = await f.post("/two-factor/verify-totp", { code: nextCode(secret) }, { Cookie: challenge });
    expect(done.status).toBe(401);
    expect(await done.json()).toMatchObject({ code: "INVALID_TWO_FACTOR_COOKIE" });
    expect(cookiesFrom(done)).not.toContain("session_token");
    expect(await sessionsOf(userId)).toEqual([]);
  });

  it("a challenge the password step issued while a reset ran is deleted, and the step refused", async () => {
    const email = "race-2fa-step@example.com";
    const { userId, cookie } = await signUpVerified(s, email);
    const secret = await f.enrol(cookie);
    const answer = await racingReset(email, () => f.post("/sign-in/email", { email, password: STRONG_PASSWORD }));
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "INVALID_EMAIL_OR_PASSWORD" });
    const done = await f.post("/two-factor/verify-totp", { code: nextCode(secret) }, { Cookie: cookiesFrom(answer) });
    expect(done.status).toBe(401);
    expect(await sessionsOf(userId)).toEqual([]);
  });

  it("a change-password that verified the old password while a reset ran changes nothing (compare-and-swap)", async () => {
    const email = "race-change@example.com";
    const attacker = await signUpVerified(s, email);
    for (const revokeOtherSessions of [true, false]) {
      const answer = await racingReset(email, () =>
        f.post(
          "/change-password",
          {
            currentPassword: STRONG_PASSWORD,
            newPassword: `attacker's own ${revokeOtherSessions}`,
            revokeOtherSessions,
          },
          { Cookie: attacker.cookie },
        ),
      );
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ code: "INVALID_PASSWORD" });
      expect(await sessionsOf(attacker.userId)).toEqual([]);
      // The owner's reset stands: the new password signs in, the attacker's does not.
      expect((await f.post("/sign-in/email", { email, password: NEW_PASSWORD })).status).toBe(200);
      const theirs = await f.post("/sign-in/email", { email, password: `attacker's own ${revokeOtherSessions}` });
      expect(theirs.status).toBe(401);
      // Back to the first password for the next round, with a session to attack from.
      await resetPassword(email, STRONG_PASSWORD);
      attacker.cookie = cookiesFrom(await f.post("/sign-in/email", { email, password: STRONG_PASSWORD }));
    }
  });

  it("a two-factor disable that rotated a session the reset deleted keeps no session", async () => {
    const email = "race-disable@example.com";
    const { userId, cookie } = await signUpVerified(s, email);
    const secret = await f.enrol(cookie);
    // The session an attacker took, signed in with both factors.
    const challenge = await f.challengeFor(email);
    const signedIn = await f.post("/two-factor/verify-totp", { code: nextCode(secret) }, { Cookie: challenge });
    expect(signedIn.status).toBe(200);
    const stolen = cookiesFrom(signedIn);
    const answer = await racingReset(email, () =>
      f.post("/two-factor/disable", { password: STRONG_PASSWORD }, { Cookie: stolen }),
    );
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "UNAUTHORIZED" });
    expect(cookiesFrom(answer)).not.toContain("session_token");
    expect(await sessionsOf(userId)).toEqual([]);
  });

  it("two sign-ins of a legacy (scrypt) account at once both succeed: each rehash is the other's password", async () => {
    const email = "legacy-pair@example.com";
    const { userId } = await signUpVerified(s, email);
    await s.gh.database.db
      .updateTable("accounts")
      .set({ password: await hashLegacyScrypt(STRONG_PASSWORD) })
      .where("user_id", "=", userId)
      .where("provider_id", "=", "credential")
      .execute();
    // The first has read the scrypt hash and waits; the second reads it too, verifies and rehashes.
    const gate = holdNextVerification("before");
    const first = f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    await gate.reached;
    const second = await f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(second.status).toBe(200);
    // The first's rehash finds the row rehashed already; the argon2id hash stored is its password too.
    gate.release();
    expect((await first).status).toBe(200);
  });

  it("a second-factor sign-in with no password change in between completes (control)", async () => {
    const email = "fence-2fa-control@example.com";
    const { cookie } = await signUpVerified(s, email);
    const secret = await f.enrol(cookie);
    const challenge = await f.challengeFor(email);
    const done = await f.post("/two-factor/verify-totp", { code: nextCode(secret) }, { Cookie: challenge });
    expect(done.status).toBe(200);
  });

  it("change-password with revokeOtherSessions keeps only the session it opens", async () => {
    const email = "fence-change@example.com";
    const first = await signUpVerified(s, email);
    const changed = await f.post(
      "/change-password",
      { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD, revokeOtherSessions: true },
      { Cookie: first.cookie },
    );
    expect(changed.status).toBe(200);
    const { token } = (await changed.json()) as { token: string };
    const left = await s.gh.database.db
      .selectFrom("user_sessions")
      .select("token")
      .where("user_id", "=", first.userId)
      .execute();
    expect(left).toEqual([{ token }]);
  });
});
