import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";

describe.each(DB_KINDS)("email + password on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "boss@example.com" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("signs up, mails a link, verifies (signed in), signs in, reads and ends the session", async () => {
    const email = "alice@example.com";
    const up = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD, name: "Alice" },
    });
    expect(up.status).toBe(200);
    expect((await up.json()).token).toBeNull(); // no session before verification

    const mail = s.outbox.list(email)[0];
    expect(mail?.subject).toBe("Verify your email address");
    expect(mail?.text).toContain("http://localhost:5173/verify-email?token=");

    const verify = await s.call(`/api/auth/verify-email?token=${tokenFromOutbox(s.outbox, email, "/verify-email")}`);
    expect(verify.status).toBe(200);
    const verifiedCookie = cookiesFrom(verify);
    expect(verifiedCookie).toContain("better-auth.session_token=");
    const afterVerify = await s.call("/api/auth/get-session", { headers: { Cookie: verifiedCookie } });
    expect((await afterVerify.json()).user.emailVerified).toBe(true);

    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(200);
    const bearer = signIn.headers.get("set-auth-token");
    expect(bearer).toBeTruthy();

    const session = await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${bearer}` } });
    const body = await session.json();
    expect(body.user.email).toBe(email);
    expect(body.user.role).toBe("user");
    expect(new Date(body.session.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);

    const out = await s.call("/api/auth/sign-out", { method: "POST", headers: { Authorization: `Bearer ${bearer}` } });
    expect(out.status).toBe(200);
    const gone = await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${bearer}` } });
    expect(await gone.json()).toBeNull();
  });

  it("refuses sign-in before verification with EMAIL_NOT_VERIFIED and re-sends the link on request", async () => {
    const email = "unverified@example.com";
    await s.call("/api/auth/sign-up/email", { method: "POST", json: { email, password: STRONG_PASSWORD, name: "U" } });
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(403);
    expect(await signIn.json()).toMatchObject({ code: "EMAIL_NOT_VERIFIED" });

    const resend = await s.call("/api/auth/send-verification-email", { method: "POST", json: { email } });
    expect(resend.status).toBe(200);
    expect(s.outbox.list(email).filter((m) => m.subject === "Verify your email address")).toHaveLength(2);
  });

  it("refuses a wrong password with the same answer as an unknown email", async () => {
    await signUpVerified(s, "bob@example.com");
    const wrong = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "bob@example.com", password: "not the password" },
    });
    const unknown = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "nobody@example.com", password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("answers a sign-up for an existing email like a new one and tells the owner by mail", async () => {
    await signUpVerified(s, "carol@example.com");
    const fresh = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "dave@example.com", password: STRONG_PASSWORD, name: "carol" },
    });
    const dup = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "carol@example.com", password: STRONG_PASSWORD, name: "carol" },
    });
    expect(dup.status).toBe(fresh.status);
    const [a, b] = [await fresh.json(), await dup.json()];
    expect(Object.keys(b.user).sort()).toEqual(Object.keys(a.user).sort());
    expect(b.token).toBeNull();
    expect(b.user.emailVerified).toBe(false);
    expect(s.outbox.list("carol@example.com")[0]?.subject).toBe("You already have an account");
  });

  it("makes ADMIN_EMAILS admins on creation", async () => {
    const { token } = await signUpVerified(s, "boss@example.com");
    const res = await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${token}` } });
    expect((await res.json()).user.role).toBe("admin");
  });
});
