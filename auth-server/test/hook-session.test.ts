import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HookContext } from "../src/plugins/hook-context.js";
import { codeStepKey } from "../src/plugins/lockout/index.js";
import { requestSession } from "../src/plugins/request-session.js";
import { cookiesFrom, DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";
import { secondFactorSteps } from "./support/second-factor.js";

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

  const { post, totp, enrol, challengeFor, lockCodeStep } = secondFactorSteps(() => s, kind);

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
    const challenge = await challengeFor(victim);
    // The victim's code step is locked: no code, right or wrong, may be tried until the wait is over.
    await lockCodeStep(victim);

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

describe.each(DB_KINDS)("hooks read the endpoint's cookies and session rule on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "root@example.com" });
    await signUpVerified(s, "root@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const { post, totp, enrol, challengeFor, lockCodeStep } = secondFactorSteps(() => s, kind);

  it("reads the two-factor challenge the endpoint reads when the bearer plugin rebuilt the cookies", async () => {
    // better-auth's bearer plugin rebuilds the Cookie header keeping the last pair of a name; better-call's
    // own parse keeps the first. Any Bearer it takes up (here a raw one that names no session) makes the
    // endpoint verify the last two_factor cookie: the locked victim's, not the attacker's first one.
    const victim = "vic2@example.com";
    const secret = await enrol((await signUpVerified(s, victim)).cookie);
    const victimChallenge = await challengeFor(victim);
    await enrol((await signUpVerified(s, "mallory3@example.com")).cookie);
    const attackerChallenge = await challengeFor("mallory3@example.com");
    await lockCodeStep(victim);
    for (const first of [attackerChallenge, "better-auth.two_factor=x"]) {
      const res = await post(
        "/two-factor/verify-totp",
        { code: totp(secret) },
        { Cookie: `${first}; ${victimChallenge}`, Authorization: "Bearer x" },
      );
      expect({ first, status: res.status }).toEqual({ first, status: 429 });
    }
  });

  it("judges a session by the session rule, as the endpoint will", async () => {
    // An impersonation session past its lifetime (what a Redis copy looks like later on): the endpoint's
    // guarded lookup refuses it and verifies the victim's challenge, so the victim's lock must hold.
    const victim = "vic3@example.com";
    const secret = await enrol((await signUpVerified(s, victim)).cookie);
    const challenge = await challengeFor(victim);
    await lockCodeStep(victim);
    const adminCookie = await signIn("root@example.com");
    const someone = await signUpVerified(s, "someone@example.com");
    const imp = await post("/admin/impersonate-user", { userId: someone.userId }, { Cookie: adminCookie });
    expect(imp.status).toBe(200);
    const impToken = imp.headers.get("set-auth-token") as string;
    const old = new Date(Date.now() - 2 * 3600_000);
    await s.gh.database.db
      .updateTable("user_sessions")
      .set({ created_at: kind === "sqlite" ? old.toISOString() : old })
      .where("token", "=", decodeURIComponent(impToken).split(".")[0] as string)
      .execute();
    const res = await post(
      "/two-factor/verify-totp",
      { code: totp(secret) },
      { Cookie: challenge, Authorization: `Bearer ${impToken}` },
    );
    expect(res.status).toBe(429);
  });

  it("reads the admin_session cookie the endpoint reads when ending an impersonation", async () => {
    const adminCookie = await signIn("root@example.com");
    const someone = await signUpVerified(s, "someone2@example.com");
    const imp = await post("/admin/impersonate-user", { userId: someone.userId }, { Cookie: adminCookie });
    expect(imp.status).toBe(200);
    const token = imp.headers.get("set-auth-token") as string;
    const adminSession = cookiesFrom(imp)
      .split("; ")
      .find((c) => c.startsWith("better-auth.admin_session=")) as string;
    const res = await post(
      "/admin/stop-impersonating",
      {},
      { Authorization: `Bearer ${token}`, Cookie: `${adminSession}; better-auth.admin_session=x` },
    );
    // The endpoint reads the last pair (x): no admin session, a 400 of the contract, not better-auth's 500.
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("ADMIN_SESSION_NOT_FOUND");
  });

  it("refuses to end an impersonation whose admin session has expired (400, not better-auth's 500)", async () => {
    const signIn = await post("/sign-in/email", { email: "root@example.com", password: STRONG_PASSWORD });
    expect(signIn.status).toBe(200);
    const adminToken = decodeURIComponent(signIn.headers.get("set-auth-token") as string).split(".")[0] as string;
    const someone = await signUpVerified(s, "someone3@example.com");
    const imp = await post("/admin/impersonate-user", { userId: someone.userId }, { Cookie: cookiesFrom(signIn) });
    expect(imp.status).toBe(200);
    // The admin's own session ends (its expiresAt passes; its row is still there) while the impersonation is live.
    const past = new Date(Date.now() - 60_000);
    await s.gh.database.db
      .updateTable("user_sessions")
      .set({ expires_at: kind === "sqlite" ? past.toISOString() : past })
      .where("token", "=", adminToken)
      .execute();
    const res = await post("/admin/stop-impersonating", {}, { Cookie: cookiesFrom(imp) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("ADMIN_SESSION_NOT_FOUND");
  });

  it("settles a server-side auth.api.verifyTOTP like an HTTP call: the sign-in audited, the code step cleared", async () => {
    // Without a Request the hooks key the call on better-auth's per-call request state (callKey): the
    // after hooks still know whose challenge it was after the endpoint consumed it, and the reservation.
    const email = "server-side@example.com";
    const user = await signUpVerified(s, email);
    const secret = await enrol(user.cookie);
    const challenge = await challengeFor(email);
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }); // enrolment spent this period's
    const out = (await s.gh.auth.api.verifyTOTP({
      headers: new Headers({ cookie: challenge }),
      body: { code: next },
    })) as {
      token?: string;
    };
    await s.gh.settled();
    expect(typeof out.token).toBe("string");
    const db = s.gh.database.db;
    const events = await db
      .selectFrom("auth_events")
      .select(["type", "reason"])
      .where("user_id", "=", user.userId)
      .execute();
    expect(events.map((e) => `${e.type}:${e.reason}`)).toContain("sign_in:totp");
    const counter = await db
      .selectFrom("auth_login_failures")
      .select("failures")
      .where("email", "=", codeStepKey(email))
      .executeTakeFirst();
    expect(Number(counter?.failures ?? 0)).toBe(0);
  });

  it("leaves the request's own response headers alone", async () => {
    const gone = await signUpVerified(s, "gone@example.com");
    await post("/sign-out", {}, { Cookie: gone.cookie });
    const auth = await s.gh.auth.$context;
    const pending = new Headers();
    pending.append("set-cookie", "better-auth.session_token=NEW; Path=/; HttpOnly");
    const ctx = {
      context: { ...auth, responseHeaders: pending, session: null },
      headers: new Headers({ cookie: gone.cookie }),
      query: {},
      path: "/send-verification-email",
      responseHeaders: new Headers(),
    } as unknown as HookContext;
    expect(await requestSession(ctx)).toBeNull();
    expect(pending.getSetCookie()).toEqual(["better-auth.session_token=NEW; Path=/; HttpOnly"]);
  });

  /** A fresh session cookie for an existing account without a second factor. */
  async function signIn(email: string): Promise<string> {
    const res = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(res.status).toBe(200);
    return cookiesFrom(res);
  }
});
