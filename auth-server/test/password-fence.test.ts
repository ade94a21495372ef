import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PasswordHasher } from "../src/password.js";
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
  let held: { reached: () => void; release: Promise<void> } | null = null;
  /** Holds the next successful verification until the returned `release` is called. */
  function holdNextVerification(): { reached: Promise<void>; release: () => void } {
    let reached: () => void = () => {};
    let release: () => void = () => {};
    const reachedP = new Promise<void>((r) => {
      reached = r;
    });
    const releaseP = new Promise<void>((r) => {
      release = r;
    });
    held = { reached, release: releaseP };
    return { reached: reachedP, release };
  }
  const holding = (h: PasswordHasher): PasswordHasher => ({
    hash: (p) => h.hash(p),
    async verify(d) {
      const ok = await h.verify(d);
      const hold = held;
      if (ok && hold) {
        held = null;
        hold.reached();
        await hold.release;
      }
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

  async function resetPassword(email: string): Promise<void> {
    const asked = await f.post("/request-password-reset", {
      email,
      redirectTo: "http://localhost:5173/reset-password",
    });
    expect(asked.status).toBe(200);
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    expect((await f.post("/reset-password", { token, newPassword: NEW_PASSWORD })).status).toBe(200);
  }
  const sessionsOf = (userId: string) =>
    s.gh.database.db.selectFrom("user_sessions").select("id").where("user_id", "=", userId).execute();
  /** A code of the next TOTP period (better-auth accepts ±1), unused by enrolment's. */
  const nextCode = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

  it("a sign-in that verified the old password while a reset ran opens no session", async () => {
    const email = "race-reset@example.com";
    const { userId } = await signUpVerified(s, email);
    const hold = holdNextVerification();
    const signIn = f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    await hold.reached;
    await resetPassword(email);
    hold.release();
    const answer = await signIn;
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
    const hold = holdNextVerification();
    const signIn = f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    await hold.reached;
    hold.release();
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
    const hold = holdNextVerification();
    const signIn = f.post("/sign-in/email", { email, password: STRONG_PASSWORD });
    await hold.reached;
    await resetPassword(email);
    hold.release();
    const answer = await signIn;
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "INVALID_EMAIL_OR_PASSWORD" });
    const done = await f.post("/two-factor/verify-totp", { code: nextCode(secret) }, { Cookie: cookiesFrom(answer) });
    expect(done.status).toBe(401);
    expect(await sessionsOf(userId)).toEqual([]);
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
