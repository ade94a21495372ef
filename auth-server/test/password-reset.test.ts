import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";

const NEW_PASSWORD = "a brand new passphrase";

describe.each(DB_KINDS)("password reset on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const request = (email: string) =>
    s.call("/api/auth/request-password-reset", {
      method: "POST",
      json: { email, redirectTo: "http://localhost:5173/reset-password" },
    });

  it("answers known and unknown emails identically and mails only the known one", async () => {
    await signUpVerified(s, "known@example.com");
    const known = await request("known@example.com");
    const unknown = await request("unknown@example.com");
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(await known.text()).toBe(await unknown.text());
    expect(s.outbox.list("known@example.com")[0]?.subject).toBe("Reset your password");
    expect(s.outbox.list("unknown@example.com")).toHaveLength(0);
  });

  it("resets once, revokes every session, refuses the old password and reuse of the link", async () => {
    const email = "reset@example.com";
    const first = await signUpVerified(s, email);
    const second = await signUpVerified(s, email);
    await request(email);
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    expect(s.outbox.list(email)[0]?.text).toContain(`http://localhost:5173/reset-password?token=${token}`);

    const reset = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token, newPassword: NEW_PASSWORD },
    });
    expect(reset.status).toBe(200);

    for (const t of [first.token, second.token]) {
      const res = await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${t}` } });
      expect(await res.json()).toBeNull();
    }
    const old = await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: STRONG_PASSWORD } });
    expect(old.status).toBe(401);
    const fresh = await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: NEW_PASSWORD } });
    expect(fresh.status).toBe(200);

    const again = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token, newPassword: "yet another passphrase" },
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("tells an expired link (TOKEN_EXPIRED) from a bad one (INVALID_TOKEN)", async () => {
    const email = "expired@example.com";
    await signUpVerified(s, email);
    await request(email);
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    // Move the row's expiry into the past instead of the clock: same effect, no global state.
    const past = new Date(Date.now() - 1000);
    await s.gh.database.db
      .updateTable("verifications")
      .set({ expires_at: kind === "sqlite" ? past.toISOString() : past })
      .where("identifier", "=", `reset-password:${token}`)
      .execute();
    const expired = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token, newPassword: NEW_PASSWORD },
    });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ code: "TOKEN_EXPIRED" });

    const bad = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: "not-a-real-token", newPassword: NEW_PASSWORD },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("keeps the link valid for one hour", async () => {
    const email = "ttl@example.com";
    await signUpVerified(s, email);
    await request(email);
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    const row = await s.gh.database.db
      .selectFrom("verifications")
      .select("expires_at")
      .where("identifier", "=", `reset-password:${token}`)
      .executeTakeFirstOrThrow();
    const ttl = new Date(row.expires_at as string).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60 * 1000);
    expect(ttl).toBeLessThanOrEqual(60 * 60 * 1000);
  });
});
