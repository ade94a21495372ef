import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookiesFrom, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";

describe("stop-impersonating without the admin session", () => {
  let s: TestServer;
  let admin: Awaited<ReturnType<typeof signUpVerified>>;
  let target: Awaited<ReturnType<typeof signUpVerified>>;

  beforeAll(async () => {
    s = await startTestServer("sqlite", { ADMIN_EMAILS: "boss@example.com" });
    admin = await signUpVerified(s, "boss@example.com");
    target = await signUpVerified(s, "someone@example.com");
  });
  afterAll(async () => s.close());

  async function impersonate(): Promise<{ bearer: string; cookie: string }> {
    const res = await s.call("/api/auth/admin/impersonate-user", {
      method: "POST",
      headers: { Cookie: admin.cookie },
      json: { userId: target.userId },
    });
    expect(res.status).toBe(200);
    return { bearer: res.headers.get("set-auth-token") as string, cookie: cookiesFrom(res) };
  }

  const stop = (headers: Record<string, string>) =>
    s.call("/api/auth/admin/stop-impersonating", { method: "POST", headers, json: {} });

  it("answers 400 ADMIN_SESSION_NOT_FOUND to a bearer client (no admin_session cookie), not 500", async () => {
    const { bearer } = await impersonate();
    const res = await stop({ Authorization: `Bearer ${bearer}` });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "ADMIN_SESSION_NOT_FOUND" });
  });

  it("answers 400 when the admin session ended meanwhile", async () => {
    const { cookie } = await impersonate();
    const ended = await s.call("/api/auth/revoke-session", {
      method: "POST",
      headers: { Authorization: `Bearer ${admin.token}` },
      json: { token: admin.token.split(".")[0] }, // set-auth-token is signed: "<token>.<signature>"
    });
    expect(ended.status).toBe(200);
    const res = await stop({ Cookie: cookie });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "ADMIN_SESSION_NOT_FOUND" });
  });

  it("still restores the admin session when the cookie is there", async () => {
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "boss@example.com", password: "correct horse battery staple" },
    });
    admin = { ...admin, cookie: cookiesFrom(signIn), token: signIn.headers.get("set-auth-token") as string };
    const { cookie } = await impersonate();
    const res = await stop({ Cookie: cookie });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { user: { id: string } }).user.id).toBe(admin.userId);
  });
});
