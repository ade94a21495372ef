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
import { eventually } from "./support/gatehouse-on.js";

describe.each(DB_KINDS)("auth_events written by the auth server on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "auditor@example.com" });
  });
  afterAll(async () => {
    await s.close();
  });
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  /** Events are written after the answer: wait (bounded) until `userId` has a row of every type in `types`. */
  const rowsOfEvery = (userId: string, types: string[]) =>
    eventually(
      async () => (await Promise.all(types.map((t) => eventsOf(userId, t)))).every((rows) => rows.length > 0),
      10_000,
      `auth_events ${types.join(", ")}`,
    );
  const eventsOf = async (userId: string | null, type: string) =>
    s.gh.database.db
      .selectFrom("auth_events")
      .selectAll()
      .where("type", "=", type)
      .$if(userId !== null, (q) => q.where("user_id", "=", userId))
      .execute();

  it("records the life of an account, from sign-up to reset", async () => {
    const email = "life@example.com";
    const { token, userId } = await signUpVerified(s, email);
    await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: "wrong password!" },
      headers: { "User-Agent": "audit-test/1.0" },
    });
    await s.call("/api/auth/sign-out", { method: "POST", headers: bearer(token) });
    const again = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    const t2 = again.headers.get("set-auth-token") as string;
    await s.call("/api/auth/change-password", {
      method: "POST",
      headers: bearer(t2),
      json: { currentPassword: STRONG_PASSWORD, newPassword: "second unusual passphrase", revokeOtherSessions: true },
    });
    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: tokenFromOutbox(s.outbox, email, "/reset-password"), newPassword: "third unusual passphrase" },
    });
    const lifeTypes = [
      "sign_up",
      "email_verified",
      "sign_in",
      "sign_out",
      "password_changed",
      "password_reset_requested",
      "password_reset_completed",
      "session_revoked",
    ];
    await rowsOfEvery(userId, lifeTypes);
    for (const type of lifeTypes) {
      expect((await eventsOf(userId, type)).length, type).toBeGreaterThan(0);
    }
    const failed = (await eventsOf(null, "sign_in_failed")).find((e) => e.user_agent === "audit-test/1.0");
    expect(failed).toMatchObject({ reason: "INVALID_EMAIL_OR_PASSWORD", ip: "127.0.0.1", user_id: userId });
    const viaVerification = await eventsOf(userId, "sign_in");
    expect(viaVerification.some((e) => e.reason === "email_verification")).toBe(true);
    expect(Boolean(failed?.success)).toBe(false);
    const signIn = (await eventsOf(userId, "sign_in"))[0];
    expect(signIn?.session_id).toBeTruthy();
    expect(Boolean(signIn?.success)).toBe(true);
  });

  it("writes no session_revoked row for the session a password change hands over, only for the others it ends", async () => {
    const email = "handover@example.com";
    const other = await signUpVerified(s, email);
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    const token = signIn.headers.get("set-auth-token") as string;
    const own = (await (await s.call("/api/auth/get-session", { headers: bearer(token) })).json()) as {
      session: { id: string };
    };
    const otherOwn = (await (await s.call("/api/auth/get-session", { headers: bearer(other.token) })).json()) as {
      session: { id: string };
    };
    const changed = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: bearer(token),
      json: { currentPassword: STRONG_PASSWORD, newPassword: "a handed over passphrase", revokeOtherSessions: true },
    });
    expect(changed.status).toBe(200);
    const next = (await changed.json()) as { token: string };
    expect(next.token).toBeTruthy();
    // Rows are written in order after the answer; password_changed is the request's last one.
    // Rows written in parallel: also wait for the revocation the assertions below name.
    let revoked: Awaited<ReturnType<typeof eventsOf>> = [];
    await eventually(
      async () => {
        revoked = await eventsOf(other.userId, "session_revoked");
        const changedRow = (await eventsOf(other.userId, "password_changed")).length > 0;
        return changedRow && revoked.some((r) => r.session_id === otherOwn.session.id);
      },
      10_000,
      "password_changed and the other session's session_revoked rows",
    ).catch(() => undefined); // the assertions below say what is missing
    // The others (the sign-up's sessions) ended; the request's own went on in the new one.
    expect(revoked.map((r) => r.session_id)).toContain(otherOwn.session.id);
    expect(revoked.map((r) => r.session_id)).not.toContain(own.session.id);
    for (const r of revoked) expect(JSON.parse(r.details ?? "{}").cause).toBe("password_change");
  });

  it("records admin actions with the admin as actor", async () => {
    const admin = await signUpVerified(s, "auditor@example.com");
    const user = await signUpVerified(s, "subject@example.com");
    const post = (path: string, json: unknown, headers = bearer(admin.token)) =>
      s.call(`/api/auth${path}`, { method: "POST", headers, json });
    expect((await post("/admin/set-role", { userId: user.userId, role: "admin" })).status).toBe(200);
    expect((await post("/admin/set-role", { userId: user.userId, role: "user" })).status).toBe(200);
    const imp = await post("/admin/impersonate-user", { userId: user.userId });
    expect(imp.status).toBe(200);
    expect((await post("/admin/stop-impersonating", {}, { Cookie: cookiesFrom(imp) } as never)).status).toBe(200);
    expect((await post("/admin/ban-user", { userId: user.userId, banReason: "test" })).status).toBe(200);
    expect((await post("/admin/unban-user", { userId: user.userId })).status).toBe(200);
    const adminTypes = [
      "role_changed",
      "impersonation_started",
      "impersonation_stopped",
      "user_banned",
      "user_unbanned",
    ];
    await rowsOfEvery(user.userId, adminTypes);
    for (const type of adminTypes) {
      const rows = await eventsOf(user.userId, type);
      expect(rows.length, type).toBeGreaterThan(0);
      if (type !== "impersonation_stopped") expect(rows[0]?.actor_id, type).toBe(admin.userId);
    }
  });
});
