import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookiesFrom, DB_KINDS, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";

// The account's own life and the basic admin actions are in test/auth-events.test.ts; these are
// the actions whose actor or kind the old path switch got wrong or missed.
describe.each(DB_KINDS)("audit plugin on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "audit-admin@example.com" });
    admin = await signUpVerified(s, "audit-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const asAdmin = (path: string, json: unknown) =>
    s.call(`/api/auth${path}`, { method: "POST", headers: { Authorization: `Bearer ${admin.token}` }, json });
  /** Rows are written after the answer: wait for them (bounded), never sleep a fixed time. */
  const rowsOf = async (userId: string, type: string, atLeast = 1) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const rows = await s.gh.database.db
        .selectFrom("auth_events")
        .selectAll()
        .where("user_id", "=", userId)
        .where("type", "=", type)
        .execute();
      if (rows.length >= atLeast || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("names the admin as the actor of a stopped impersonation, not the impersonated user", async () => {
    const user = await signUpVerified(s, "impersonated@example.com");
    const imp = await asAdmin("/admin/impersonate-user", { userId: user.userId });
    expect(imp.status).toBe(200);
    const stop = await s.call("/api/auth/admin/stop-impersonating", {
      method: "POST",
      headers: { Cookie: cookiesFrom(imp) },
      json: {},
    });
    expect(stop.status).toBe(200);
    const [row] = await rowsOf(user.userId, "impersonation_stopped");
    expect(row).toMatchObject({ user_id: user.userId, actor_id: admin.userId });
  });

  it("records what an admin's update-user did: ban, role and profile fields (names only)", async () => {
    const user = await signUpVerified(s, "updated@example.com");
    expect((await asAdmin("/admin/update-user", { userId: user.userId, data: { name: "New Name" } })).status).toBe(200);
    expect((await asAdmin("/admin/update-user", { userId: user.userId, data: { banned: true } })).status).toBe(200);
    const [updated] = await rowsOf(user.userId, "user_updated");
    expect(updated).toMatchObject({ actor_id: admin.userId, reason: "fields=name" });
    expect(JSON.stringify(updated)).not.toContain("New Name");
    const [banned] = await rowsOf(user.userId, "user_banned");
    expect(banned).toMatchObject({ actor_id: admin.userId, reason: "banned" });
  });

  it("records an admin's removal of a user and of a session with the admin as actor", async () => {
    const user = await signUpVerified(s, "removed@example.com");
    const revoked = await asAdmin("/admin/revoke-user-sessions", { userId: user.userId });
    expect(revoked.status).toBe(200);
    const [session] = await rowsOf(user.userId, "session_revoked");
    expect(session).toMatchObject({ actor_id: admin.userId, reason: "/admin/revoke-user-sessions" });
    expect((await asAdmin("/admin/remove-user", { userId: user.userId })).status).toBe(200);
    const deleted = await rowsOf(user.userId, "user_deleted");
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ actor_id: admin.userId });
  });

  it("records self-service deletion once, with no actor", async () => {
    const user = await signUpVerified(s, "self-delete@example.com");
    const del = await s.call("/api/auth/delete-user", {
      method: "POST",
      headers: { Authorization: `Bearer ${user.token}` },
      json: { password: "correct horse battery staple" },
    });
    expect(del.status).toBe(200);
    const rows = await rowsOf(user.userId, "user_deleted");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.actor_id).toBeNull();
  });
});
