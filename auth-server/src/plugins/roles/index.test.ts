import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";

/**
 * Issue 11, failure 5 and its kind: no role outside the configured names can be written through
 * any admin endpoint, the admin plugin's codes become the contract's, and a legacy stored value
 * like "user, admin" grants what the one parser says (nothing but "user").
 */
describe.each(DB_KINDS)("roles from configuration on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  let n = 0;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "roles-admin@example.com" });
    admin = await signUpVerified(s, "roles-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const asAdmin = (path: string, json: unknown) =>
    s.call(`/api/auth${path}`, { method: "POST", headers: { Authorization: `Bearer ${admin.token}` }, json });
  const storedRole = async (userId: string) =>
    (await s.gh.database.db.selectFrom("users").select("role").where("id", "=", userId).executeTakeFirstOrThrow()).role;
  const BAD = [
    "user, admin",
    " admin",
    "admin ",
    "root",
    "",
    "Admin",
    "constructor",
    "__proto__",
    "user,,admin",
    ["user", " admin"],
    7,
  ];

  it("refuses every role that is not exactly configured names, on set-role, create-user and update-user", async () => {
    const u = await signUpVerified(s, `roles${n++}@example.com`);
    for (const role of BAD) {
      const tries = [
        await asAdmin("/admin/set-role", { userId: u.userId, role }),
        await asAdmin("/admin/update-user", { userId: u.userId, data: { role } }),
        await asAdmin("/admin/create-user", { email: `made${n++}@example.com`, name: "m", role }),
        await asAdmin("/admin/create-user", { email: `made${n++}@example.com`, name: "m", data: { role } }),
      ];
      for (const res of tries) {
        expect(res.status, JSON.stringify(role)).toBe(400);
        expect(await res.json(), JSON.stringify(role)).toMatchObject({ code: "INVALID_ROLE" });
      }
    }
    expect(await storedRole(u.userId)).toBe("user");
  });

  it("stores configured names, joined by ',' whether sent as a list or joined", async () => {
    const u = await signUpVerified(s, `roles${n++}@example.com`);
    const joined = await asAdmin("/admin/set-role", { userId: u.userId, role: "user,admin" });
    expect(joined.status).toBe(200);
    expect(await storedRole(u.userId)).toBe("user,admin");
    expect((await asAdmin("/admin/set-role", { userId: u.userId, role: ["admin"] })).status).toBe(200);
    expect(await storedRole(u.userId)).toBe("admin");
    expect((await asAdmin("/admin/update-user", { userId: u.userId, data: { role: "user" } })).status).toBe(200);
    expect(await storedRole(u.userId)).toBe("user");
    const made = await asAdmin("/admin/create-user", {
      email: `made${n++}@example.com`,
      name: "m",
      role: ["user", "admin"],
    });
    expect(made.status).toBe(200);
    expect(((await made.json()) as { user: { role: string } }).user.role).toBe("user,admin");
  });

  it("an admin cannot change their own role (CANNOT_CHANGE_OWN_ROLE), as on the backend", async () => {
    for (const res of [
      await asAdmin("/admin/set-role", { userId: admin.userId, role: "user" }),
      await asAdmin("/admin/update-user", { userId: admin.userId, data: { role: "user" } }),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "CANNOT_CHANGE_OWN_ROLE" });
    }
    expect(await storedRole(admin.userId)).toBe("admin");
  });

  it("a legacy 'user, admin' written by SQL grants no admin power, and credentials carry the parsed role", async () => {
    const u = await signUpVerified(s, `roles${n++}@example.com`);
    await s.gh.database.db.updateTable("users").set({ role: "user, admin" }).where("id", "=", u.userId).execute();
    const headers = { Authorization: `Bearer ${u.token}` };
    const list = await s.call("/api/auth/admin/list-users", { headers });
    expect(list.status).toBe(403);
    const jwt = (await (await s.call("/api/auth/token", { headers })).json()) as { token: string };
    expect(decodeJwt(jwt.token).role).toBe("user");
    expect(await (await s.call("/api/auth/me", { headers })).json()).toMatchObject({ role: "user" });
    // An admin may impersonate such a user (not an admin), and the impersonation is not admin either.
    const imp = await asAdmin("/admin/impersonate-user", { userId: u.userId });
    expect(imp.status).toBe(200);
    const impHeaders = { Authorization: `Bearer ${imp.headers.get("set-auth-token")}` };
    expect((await s.call("/api/auth/admin/list-users", { headers: impHeaders })).status).toBe(403);
    const impJwt = (await (await s.call("/api/auth/token", { headers: impHeaders })).json()) as { token: string };
    expect(decodeJwt(impJwt.token).role).toBe("user");
  });
});
