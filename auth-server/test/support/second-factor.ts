import { generateSync } from "otplib";
import { expect } from "vitest";
import { codeStepKey } from "../../src/plugins/lockout/index.js";
import { cookiesFrom, type DbKind, STRONG_PASSWORD, type TestServer } from "../harness.js";

/** Second-factor steps against a test server: enrolment, a sign-in's challenge, a locked code step. */
export function secondFactorSteps(s: () => TestServer, kind: DbKind) {
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    s().call(`/api/auth${path}`, { method: "POST", json, headers });
  /** A TOTP code of the current period (otplib, RFC 6238). */
  const totp = (secret: string): string => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });

  /** Enrols TOTP for a signed-in user; returns the secret. */
  async function enrol(cookie: string): Promise<string> {
    const enable = await post("/two-factor/enable", { password: STRONG_PASSWORD }, { Cookie: cookie });
    expect(enable.status).toBe(200);
    const uri = ((await enable.json()) as { totpURI: string }).totpURI;
    const secret = new URL(uri).searchParams.get("secret") as string;
    expect((await post("/two-factor/verify-totp", { code: totp(secret) }, { Cookie: cookie })).status).toBe(200);
    return secret;
  }

  /** Password step of a sign-in with a second factor: the two-factor challenge cookie. */
  async function challengeFor(email: string): Promise<string> {
    const signIn = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(await signIn.json()).toMatchObject({ twoFactorRedirect: true });
    return cookiesFrom(signIn);
  }

  /** Locks `email`'s code step for a minute: no code, right or wrong, may be tried until then. */
  async function lockCodeStep(email: string): Promise<void> {
    const until = new Date(Date.now() + 60_000);
    const now = new Date();
    await s()
      .gh.database.db.insertInto("auth_login_failures")
      .values({
        email: codeStepKey(email),
        failures: 6,
        locked_until: kind === "sqlite" ? until.toISOString() : until,
        updated_at: kind === "sqlite" ? now.toISOString() : now,
      })
      .execute();
  }

  return { post, totp, enrol, challengeFor, lockCodeStep };
}
