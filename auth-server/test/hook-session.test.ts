import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeStepKey } from "../src/plugins/lockout/index.js";
import { cookiesFrom, DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

/**
 * Gatehouse's hooks decide on "who is signed in" (the code step's lockout, the admin second-factor
 * gate, the impersonation guard) before the endpoint runs. They must see the session the endpoint
 * will see, for every form of credential an attacker can send — above all the forms better-auth's
 * bearer plugin accepts and rewrites into the session cookie but the endpoint then cannot use
 * (a signature with trailing bytes, a third dot, an escaped dot, a dead session): there the
 * endpoint has no session, and a hook that fell back to the request's own cookie judged someone
 * else. Each case below sends the attacker's own session cookie beside such a header.
 */
describe.each(DB_KINDS)("hooks see the endpoint's session on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "root@example.com", ADMIN_REQUIRE_MFA: "true" });
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    s.call(`/api/auth${path}`, { method: "POST", json, headers });
  const secretOf = (uri: string): string => new URL(uri).searchParams.get("secret") as string;
  const totp = (secret: string): string => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });

  /** Enrols TOTP for a signed-in user; returns the secret. */
  async function enrol(cookie: string): Promise<string> {
    const enable = await post("/two-factor/enable", { password: STRONG_PASSWORD }, { Cookie: cookie });
    expect(enable.status).toBe(200);
    const secret = secretOf(((await enable.json()) as { totpURI: string }).totpURI);
    expect((await post("/two-factor/verify-totp", { code: totp(secret) }, { Cookie: cookie })).status).toBe(200);
    return secret;
  }

  /** Bearer values built from a signed session token `tok.SIG=`: each one the bearer plugin takes up. */
  function tamperedForms(signed: string): Record<string, string> {
    const [token, signature] = signed.split(".") as [string, string];
    return {
      "trailing bytes after the signature": `${token}.${signature}junk`,
      "a third dot": `${token}.${signature}.x`,
      "an escaped dot": `${token}%2E${encodeURIComponent(signature)}`,
      "an unpadded signature": `${token}.${signature.replace(/=$/, "")}`,
    };
  }

  it("counts a code against the account whose challenge it answers, whatever Bearer rides along", async () => {
    const victim = "vic@example.com";
    const me = await signUpVerified(s, victim);
    const secret = await enrol(me.cookie);
    const signIn = await post("/sign-in/email", { email: victim, password: STRONG_PASSWORD });
    expect(await signIn.json()).toMatchObject({ twoFactorRedirect: true });
    const challenge = cookiesFrom(signIn);
    // The victim's code step is locked: no code, right or wrong, may be tried until the wait is over.
    const until = new Date(Date.now() + 60_000);
    const now = new Date();
    await s.gh.database.db
      .insertInto("auth_login_failures")
      .values({
        email: codeStepKey(victim),
        failures: 6,
        locked_until: kind === "sqlite" ? until.toISOString() : until,
        updated_at: kind === "sqlite" ? now.toISOString() : now,
      })
      .execute();

    const attacker = await signUpVerified(s, "mallory@example.com");
    const signed = decodeURIComponent(attacker.token);
    const dead = await signUpVerified(s, "mallory@example.com".replace("mallory", "mallory2"));
    await post("/sign-out", {}, { Cookie: dead.cookie });
    const forms = { ...tamperedForms(signed), "a signed-out session": decodeURIComponent(dead.token) };
    for (const [name, bearer] of Object.entries(forms)) {
      const res = await post(
        "/two-factor/verify-totp",
        { code: totp(secret) },
        { Cookie: `${challenge}; ${attacker.cookie}`, Authorization: `Bearer ${bearer}` },
      );
      // The endpoint has no session here, so it verifies the victim's challenge: the victim's lock holds.
      expect({ name, status: res.status }).toEqual({ name, status: 429 });
    }
  });

  it("refuses an admin call whose Bearer the endpoint cannot use, beside an admin cookie without a second factor", async () => {
    const admin = await signUpVerified(s, "root@example.com");
    for (const [name, bearer] of Object.entries(tamperedForms(decodeURIComponent(admin.token)))) {
      const res = await s.call("/api/auth/admin/list-users", {
        headers: { Cookie: admin.cookie, Authorization: `Bearer ${bearer}` },
      });
      expect({ name, ok: res.ok }).toEqual({ name, ok: false });
    }
  });
});
