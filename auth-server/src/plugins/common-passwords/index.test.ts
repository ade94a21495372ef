import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";
import { NEW_PASSWORD_FIELD } from "./index.js";

// Sign-up, change and reset are covered in test/hardening.test.ts; these are the rest of the kind:
// every endpoint that sets a password screens it, including an admin setting one for someone.
describe.each(DB_KINDS)("common-password screening on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "pw-admin@example.com" });
    admin = await signUpVerified(s, "pw-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const asAdmin = (path: string, json: unknown) =>
    s.call(`/api/auth${path}`, { method: "POST", headers: { Authorization: `Bearer ${admin.token}` }, json });

  it("covers every endpoint better-auth offers for setting a password", () => {
    expect(Object.keys(NEW_PASSWORD_FIELD).sort()).toEqual(
      [
        "/admin/create-user",
        "/admin/set-user-password",
        "/change-password",
        "/reset-password",
        "/set-password",
        "/sign-up/email",
      ].sort(),
    );
  });

  it("refuses a common password when an admin creates a user or sets one's password", async () => {
    const created = await asAdmin("/admin/create-user", {
      email: "made@example.com",
      password: "iloveyou1",
      name: "m",
    });
    expect(created.status).toBe(400);
    expect(await created.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });

    const { userId } = await signUpVerified(s, "target-pw@example.com");
    const set = await asAdmin("/admin/set-user-password", { userId, newPassword: "sunshine1" });
    expect(set.status).toBe(400);
    expect(await set.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });
    const fine = await asAdmin("/admin/set-user-password", { userId, newPassword: "a rarely used sentence 7" });
    expect(fine.status).toBe(200);
  });
});
