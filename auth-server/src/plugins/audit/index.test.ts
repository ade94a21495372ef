import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "../../../test/harness.js";
import { eventually } from "../../../test/support/gatehouse-on.js";
import { callInternal } from "../../../test/support/service-token.js";
import { BackgroundTasks } from "../../background.js";
import { AuditEventType, AuditTrail } from "./trail.js";

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
    const read = () =>
      s.gh.database.db
        .selectFrom("auth_events")
        .selectAll()
        .where("user_id", "=", userId)
        .where("type", "=", type)
        .execute();
    let rows: Awaited<ReturnType<typeof read>> = [];
    const enough = async () => {
      rows = await read();
      return rows.length >= atLeast;
    };
    await eventually(enough, 5_000, `${atLeast} ${type} row(s)`);
    return rows;
  };

  it("hands every row to its tracker, so settled() and shutdown wait for rows an answer left behind", async () => {
    const tasks = new BackgroundTasks(s.gh.logger);
    const handed: Promise<unknown>[] = [];
    const trail = new AuditTrail(s.gh.database.db, kind, s.gh.logger, (task) => {
      handed.push(task);
      tasks.handler(task);
    });
    const user = await signUpVerified(s, "tracked-trail@example.com");
    trail.record({ type: AuditEventType.SIGN_IN, userId: user.userId, success: true, reason: "tracked" });
    expect(handed).toHaveLength(1);
    await tasks.drain();
    // No polling: once drained, the row is stored.
    const rows = await s.gh.database.db
      .selectFrom("auth_events")
      .select("type")
      .where("user_id", "=", user.userId)
      .where("reason", "=", "tracked")
      .execute();
    expect(rows).toEqual([{ type: AuditEventType.SIGN_IN }]);
  });

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
    // The impersonation session it ended was the admin's: not the user signing out elsewhere.
    const revoked = await detailsOf(user.userId, "session_revoked");
    expect(revoked).toEqual([{ actor_id: admin.userId, details: { cause: "admin" } }]);
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

  it("records what a refused sign-in tried without its control or bidirectional characters", async () => {
    const tried = "ceo\u202egro.elpmaxe@evil.example\n\u2028x\ufeff";
    const res = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: tried, password: "whatever12" },
    });
    expect(res.status).toBe(400);
    let row: { details: string | null } | undefined;
    await eventually(
      async () => {
        row = await s.gh.database.db
          .selectFrom("auth_events")
          .select("details")
          .where("type", "=", "sign_in_failed")
          .where("details", "like", "%elpmaxe%")
          .executeTakeFirst();
        return row !== undefined;
      },
      5_000,
      "the sign_in_failed row",
    );
    expect(JSON.parse(row?.details ?? "null")).toEqual({
      email: "ceo\ufffdgro.elpmaxe@evil.example\ufffd\ufffdx\ufffd",
    });
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

  const detailsOf = async (userId: string, type: string, atLeast = 1) =>
    (await rowsOf(userId, type, atLeast)).map((r) => ({
      actor_id: r.actor_id,
      details: r.details === null ? null : JSON.parse(r.details as string),
    }));

  it("says what changed: role from → to and the ban's reason and end, whichever endpoint changed them", async () => {
    const u = await signUpVerified(s, "details-role@example.com");
    expect((await asAdmin("/admin/set-role", { userId: u.userId, role: "admin" })).status).toBe(200);
    expect((await callInternal(s, "set-role", admin.userId, { userId: u.userId, role: "user" })).status).toBe(200);
    expect(await detailsOf(u.userId, "role_changed", 2)).toEqual([
      { actor_id: admin.userId, details: { from: "user", to: "admin" } },
      { actor_id: admin.userId, details: { from: "admin", to: "user" } },
    ]);
    const ban = await callInternal(s, "ban-user", admin.userId, {
      userId: u.userId,
      banReason: "spam",
      banExpiresIn: 3600,
    });
    expect(ban.status).toBe(200);
    const [banned] = await detailsOf(u.userId, "user_banned");
    expect(banned).toMatchObject({ actor_id: admin.userId, details: { reason: "spam" } });
    expect(Date.parse(banned?.details.expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
    const revoked = await detailsOf(u.userId, "session_revoked");
    expect(revoked.length).toBeGreaterThan(0);
    for (const r of revoked) expect(r).toEqual({ actor_id: admin.userId, details: { cause: "ban" } });
    expect((await asAdmin("/admin/unban-user", { userId: u.userId })).status).toBe(200);
    expect(await detailsOf(u.userId, "user_unbanned")).toEqual([{ actor_id: admin.userId, details: {} }]);
  });

  it("names who a deleted or created user was, and how they were created", async () => {
    const made = await asAdmin("/admin/create-user", { email: "invited@example.com", name: "Invitee" });
    expect(made.status).toBe(200);
    const { user } = (await made.json()) as { user: { id: string } };
    expect(await detailsOf(user.id, "user_created")).toEqual([
      { actor_id: admin.userId, details: { email: "invited@example.com", role: "user", invited: true } },
    ]);
    expect((await asAdmin("/admin/remove-user", { userId: user.id })).status).toBe(200);
    expect(await detailsOf(user.id, "user_deleted")).toEqual([
      { actor_id: admin.userId, details: { email: "invited@example.com", name: "Invitee" } },
    ]);
  });

  it("tells sign-in methods and failed addresses apart, and why each session ended", async () => {
    const u = await signUpVerified(s, "details-life@example.com");
    const methods = (await detailsOf(u.userId, "sign_in", 2)).map((r) => r.details.method).sort();
    expect(methods).toEqual(["email_verification", "password"]);
    await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "Details-Life@Example.com", password: "nope nope nope" },
    });
    expect(await detailsOf(u.userId, "sign_in_failed")).toEqual([
      { actor_id: null, details: { email: "details-life@example.com" } },
    ]);

    const list = (await (
      await s.call("/api/auth/sessions", { headers: { Authorization: `Bearer ${u.token}` } })
    ).json()) as Array<{ id: string; isCurrent: boolean }>;
    const other = list.find((x) => !x.isCurrent);
    expect(
      (
        await s.call(`/api/auth/sessions/${other?.id}`, {
          method: "DELETE",
          headers: { Authorization: `Bearer ${u.token}` },
        })
      ).status,
    ).toBe(204);
    expect(await detailsOf(u.userId, "session_revoked")).toEqual([{ actor_id: null, details: { cause: "user" } }]);
    // A session on another device, which the password change below ends.
    const elsewhere = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "details-life@example.com", password: STRONG_PASSWORD },
    });
    expect(elsewhere.status).toBe(200);
    const changed = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}` },
      json: { currentPassword: STRONG_PASSWORD, newPassword: "a second unusual passphrase", revokeOtherSessions: true },
    });
    expect(changed.status).toBe(200);
    const second = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "details-life@example.com", password: "a second unusual passphrase" },
    });
    const token = second.headers.get("set-auth-token") as string;
    expect((await asAdmin("/admin/revoke-user-sessions", { userId: u.userId })).status).toBe(200);
    // change-password with revokeOtherSessions ends the other device's session (password_change)
    // and hands the current one over to a new session: no row for that one (a hand-over).
    const causes = (await detailsOf(u.userId, "session_revoked", 4)).map((r) => r.details.cause).sort();
    expect(causes).toEqual(["admin", "admin", "password_change", "user"]);
    expect(token).toBeTruthy();
  });

  it("records an admin marking an address verified, sending a reset link, and an email change request", async () => {
    const u = await signUpVerified(s, "details-mail@example.com");
    expect((await asAdmin("/admin/update-user", { userId: u.userId, data: { emailVerified: true } })).status).toBe(200);
    const verified = await detailsOf(u.userId, "email_verified", 2);
    expect(verified).toContainEqual({ actor_id: admin.userId, details: { email: "details-mail@example.com" } });
    expect(verified).toContainEqual({ actor_id: null, details: { email: "details-mail@example.com" } });

    const sent = await s.call("/api/auth/request-password-reset", {
      method: "POST",
      headers: { Authorization: `Bearer ${admin.token}` },
      json: { email: "details-mail@example.com" },
    });
    expect(sent.status).toBe(200);
    expect(tokenFromOutbox(s.outbox, "details-mail@example.com", "/reset-password")).toBeTruthy();
    expect(await detailsOf(u.userId, "password_reset_requested")).toEqual([{ actor_id: admin.userId, details: null }]);

    // A verification link sent again (asked for without credentials, as the sign-in page and the
    // admin's account card both do): recorded for the account, once per link.
    const pending = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "details-unverified@example.com", password: STRONG_PASSWORD, name: "Not Yet" },
    });
    const pendingId = ((await pending.json()) as { user: { id: string } }).user.id;
    const own = await s.call("/api/auth/send-verification-email", {
      method: "POST",
      json: { email: "details-unverified@example.com" },
    });
    expect(own.status).toBe(200);
    expect(await detailsOf(pendingId, "verification_email_sent")).toEqual([{ actor_id: null, details: null }]);
    // The sign-up's own link is part of the sign-up, not a row of its own.
    expect(await detailsOf(pendingId, "sign_up")).toHaveLength(1);

    const change = await s.call("/api/auth/change-email", {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}` },
      json: { newEmail: "Details-New@example.com" },
    });
    expect(change.status).toBe(200);
    expect(await detailsOf(u.userId, "email_change_requested")).toEqual([
      { actor_id: null, details: { from: "details-mail@example.com", to: "details-new@example.com" } },
    ]);
  });

  it("records an admin's 'send the verification link again' with the admin as actor, and refuses anyone else", async () => {
    const pending = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "resend-by-admin@example.com", password: STRONG_PASSWORD, name: "Waiting" },
    });
    const userId = ((await pending.json()) as { user: { id: string } }).user.id;
    const mailsBefore = s.outbox.list("resend-by-admin@example.com").length;
    const sent = await asAdmin("/admin/send-verification-email", { userId });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ status: true });
    expect(s.outbox.list("resend-by-admin@example.com")).toHaveLength(mailsBefore + 1);
    expect(tokenFromOutbox(s.outbox, "resend-by-admin@example.com", "/verify-email")).toBeTruthy();
    expect(await detailsOf(userId, "verification_email_sent")).toEqual([{ actor_id: admin.userId, details: null }]);

    const user = await signUpVerified(s, "resend-not-admin@example.com");
    const asUser = await s.call("/api/auth/admin/send-verification-email", {
      method: "POST",
      headers: { Authorization: `Bearer ${user.token}` },
      json: { userId },
    });
    expect(asUser.status).toBe(403);
    expect(await asUser.json()).toMatchObject({ code: "FORBIDDEN" });
    const anonymous = await s.call("/api/auth/admin/send-verification-email", { method: "POST", json: { userId } });
    expect(anonymous.status).toBe(401);
    const unknown = await asAdmin("/admin/send-verification-email", { userId: "no-such-user" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "USER_NOT_FOUND" });
    const verified = await asAdmin("/admin/send-verification-email", { userId: user.userId });
    expect(verified.status).toBe(400);
    expect(await verified.json()).toMatchObject({ code: "EMAIL_ALREADY_VERIFIED" });
    const extra = await asAdmin("/admin/send-verification-email", { userId, email: "someone-else@example.com" });
    expect(extra.status).toBe(400);
    // Only the one mail, and only the admin's row: the refusals mailed and recorded nothing.
    expect(s.outbox.list("resend-by-admin@example.com")).toHaveLength(mailsBefore + 1);
    expect(await detailsOf(userId, "verification_email_sent")).toHaveLength(1);
  });
});
