import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, TEST_SECRET, type TestServer } from "../../../test/harness.js";
import { secondFactorSteps } from "../../../test/support/second-factor.js";
import { callInternal, ownSessionId, serviceToken } from "../../../test/support/service-token.js";
import { eventually } from "../../../test/support/wait.js";
import { SERVICE_TOKEN_HEADER, serviceTokenKey } from "./index.js";

// How the API is authenticated: every way to present something other than a valid, unused
// service token bound to this request is refused with 401, on both databases.
describe.each(DB_KINDS)("internal admin API authentication on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; cookie: string; userId: string };
  let user: { token: string; cookie: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "svc-admin@example.com" });
    admin = await signUpVerified(s, "svc-admin@example.com");
    user = await signUpVerified(s, "svc-user@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const setRole = { userId: "", role: "user" };
  const body = () => ({ ...setRole, userId: user.userId });
  const expect401 = async (res: Response) => {
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "UNAUTHORIZED" });
  };

  it("accepts a valid token and records the acting user in the audit trail", async () => {
    const res = await callInternal(s, "set-role", admin.userId, { userId: user.userId, role: "admin" });
    expect(res.status).toBe(200);
    const { user: changed } = (await res.json()) as { user: Record<string, unknown> };
    expect(changed).toMatchObject({ id: user.userId, role: "admin", email: "svc-user@example.com", banned: false });
    expect(Object.keys(changed).sort()).toEqual(
      [
        "banExpires",
        "banReason",
        "banned",
        "createdAt",
        "email",
        "emailVerified",
        "id",
        "image",
        "name",
        "role",
        // better-auth two-factor plugin's user field (plugins/mfa)
        "twoFactorEnabled",
        "updatedAt",
      ].sort(),
    );
    let rows: Array<Record<string, unknown>> = [];
    await eventually(
      async () => {
        rows = await s.gh.database.db
          .selectFrom("auth_events")
          .selectAll()
          .where("user_id", "=", user.userId)
          .where("type", "=", "role_changed")
          .execute();
        return rows.length > 0;
      },
      5_000,
      "the role_changed audit row",
    );
    expect(rows[0]).toMatchObject({ actor_id: admin.userId, reason: "role=admin" });
    expect((await callInternal(s, "set-role", admin.userId, body())).status).toBe(200);
  });

  it("refuses a request without a token, and every credential a user holds", async () => {
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { token: null }));
    const jwt = (await (
      await s.call("/api/auth/token", { headers: { Authorization: `Bearer ${admin.token}` } })
    ).json()) as { token: string };
    const userCredentials: Array<Record<string, string>> = [
      { Cookie: admin.cookie },
      { Authorization: `Bearer ${admin.token}` },
      { Authorization: `Bearer ${jwt.token}` },
      { [SERVICE_TOKEN_HEADER]: jwt.token },
      { [SERVICE_TOKEN_HEADER]: admin.token },
    ];
    for (const headers of userCredentials)
      await expect401(await callInternal(s, "set-role", admin.userId, body(), { token: null, headers }));
  });

  it("refuses a token signed with another key, for another audience or issuer, or with another algorithm", async () => {
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { secret: `${TEST_SECRET}x` }));
    // The raw secret is not the key: only the HKDF-derived key signs.
    await expect401(
      await callInternal(s, "set-role", admin.userId, body(), { key: new TextEncoder().encode(TEST_SECRET) }),
    );
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { aud: "gatehouse-backend" }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { iss: "someone-else" }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { alg: "HS512" }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { token: "not.a.jwt" }));
  });

  it("refuses an expired token, one that lives over 60 s, one from the future and a short jti", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { iat: now - 120, exp: now - 60 }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { iat: now, exp: now + 61 }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { iat: now + 30, exp: now + 60 }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { jti: "short" }));
  });

  it("refuses a token without the acting session (sid) as malformed", async () => {
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { sid: null }));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { sid: "" }));
  });

  it("refuses a change asked with a session that has ended, or that is not the actor's (403, nothing changed)", async () => {
    const forbidden = async (res: Response) => {
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
    };
    const target = await signUpVerified(s, `svc-target-${kind}@example.com`);
    const roleOf = async () =>
      (await s.gh.database.db.selectFrom("users").select("role").where("id", "=", target.userId).executeTakeFirst())
        ?.role;
    const change = { userId: target.userId, role: "admin" };
    // Another user's live session, and one that does not exist.
    await forbidden(
      await callInternal(s, "set-role", admin.userId, change, { sid: await ownSessionId(s, user.userId) }),
    );
    await forbidden(await callInternal(s, "set-role", admin.userId, change, { sid: "no-such-session" }));
    // The admin's own session, signed out after the backend checked it.
    const second = await signUpVerified(s, "svc-admin@example.com");
    const sid = await ownSessionId(s, admin.userId);
    const out = await s.call("/api/auth/sign-out", {
      method: "POST",
      headers: { Authorization: `Bearer ${second.token}` },
    });
    expect(out.status).toBe(200);
    await forbidden(await callInternal(s, "set-role", admin.userId, change, { sid }));
    // Expired on the database's record (rule 2 of the session rule), though the row is still there.
    const past = new Date(Date.now() - 1_000);
    const live = await ownSessionId(s, admin.userId);
    await s.gh.database.db
      .updateTable("user_sessions")
      .set({ expires_at: kind === "sqlite" ? past.toISOString() : past })
      .where("id", "=", live)
      .execute();
    await forbidden(await callInternal(s, "set-role", admin.userId, change, { sid: live }));
    expect(await roleOf()).toBe("user");
    // A live session of the admin's own again, for the tests after this one.
    await signUpVerified(s, "svc-admin@example.com");
  });

  it("refuses a replayed token", async () => {
    const path = "/api/auth/internal/admin/set-role";
    const raw = JSON.stringify(body());
    const token = await serviceToken({ sub: admin.userId, sid: await ownSessionId(s, admin.userId), path, body: raw });
    const send = () =>
      s.call(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", [SERVICE_TOKEN_HEADER]: token },
        body: raw,
      });
    expect((await send()).status).toBe(200);
    await expect401(await send());
  });

  it("refuses a token bound to another body, path or method", async () => {
    const path = "/api/auth/internal/admin/set-role";
    const signed = JSON.stringify(body());
    const token = await serviceToken({
      sub: admin.userId,
      sid: await ownSessionId(s, admin.userId),
      path,
      body: signed,
    });
    const send = (to: string, raw: string) =>
      s.call(to, {
        method: "POST",
        headers: { "Content-Type": "application/json", [SERVICE_TOKEN_HEADER]: token },
        body: raw,
      });
    // Same JSON meaning, other bytes: the hash covers the exact bytes.
    await expect401(await send(path, JSON.stringify(body(), null, 1)));
    await expect401(await send(path, JSON.stringify({ ...body(), role: "admin" })));
    await expect401(await send("/api/auth/internal/admin/ban-user", JSON.stringify({ userId: user.userId })));
    await expect401(await callInternal(s, "set-role", admin.userId, body(), { method: "PUT" }));
    await expect401(
      await callInternal(s, "set-role", admin.userId, body(), { path: "/api/auth/internal/admin/ban-user" }),
    );
    // The untouched request still works: nothing above used up its jti.
    expect((await send(path, signed)).status).toBe(200);
  });

  it("needs no Origin (server to server) and is absent from the public OpenAPI document", async () => {
    const path = "/api/auth/internal/admin/set-role";
    const raw = JSON.stringify(body());
    const token = await serviceToken({ sub: admin.userId, sid: await ownSessionId(s, admin.userId), path, body: raw });
    const res = await s.gh.app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", [SERVICE_TOKEN_HEADER]: token },
      body: raw,
    });
    expect(res.status).toBe(200);
    const doc = (await (await s.call("/api/auth/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.includes("internal"))).toEqual([]);
  });
});

// ADMIN_REQUIRE_MFA holds here too: the backend's admin changes are admin actions of the acting session.
describe.each(DB_KINDS)("internal admin API under ADMIN_REQUIRE_MFA on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "mfa-svc-admin@example.com", ADMIN_REQUIRE_MFA: "true" });
  });
  afterAll(async () => {
    await s.close();
  });
  const f = secondFactorSteps(() => s, kind);

  it("refuses an admin change from a session without a second factor (MFA_REQUIRED), not a user's own", async () => {
    const admin = await signUpVerified(s, "mfa-svc-admin@example.com");
    const user = await signUpVerified(s, "mfa-svc-user@example.com");
    const refused = await callInternal(s, "set-role", admin.userId, { userId: user.userId, role: "admin" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "MFA_REQUIRED" });
    const others = await callInternal(s, "revoke-sessions", admin.userId, { userId: user.userId });
    expect(others.status).toBe(403);
    // On themself a user needs no second factor, admin or not.
    expect(
      (await callInternal(s, "update-user", user.userId, { userId: user.userId, data: { name: "U" } })).status,
    ).toBe(200);
    // Signed in with a second factor, the same admin may.
    const secret = await f.enrol(admin.cookie);
    const challenge = await f.challengeFor("mfa-svc-admin@example.com");
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const done = await f.post("/two-factor/verify-totp", { code: next }, { Cookie: challenge });
    expect(done.status).toBe(200);
    const allowed = await callInternal(s, "set-role", admin.userId, { userId: user.userId, role: "admin" });
    expect(allowed.status).toBe(200);
  });
});

describe("service-token key", () => {
  it("is HKDF-SHA256(secret, salt empty, info 'gatehouse internal admin api v1', 32 bytes), as WebCrypto derives it", async () => {
    const ikm = await crypto.subtle.importKey("raw", new TextEncoder().encode(TEST_SECRET), "HKDF", false, [
      "deriveBits",
    ]);
    const bits = await crypto.subtle.deriveBits(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: new TextEncoder().encode("gatehouse internal admin api v1"),
      },
      ikm,
      256,
    );
    expect(Buffer.from(serviceTokenKey(TEST_SECRET)).toString("hex")).toBe(Buffer.from(bits).toString("hex"));
    // The vector both services' tests pin (plugins/internal-admin/README.md): secret = TEST_SECRET.
    expect(Buffer.from(serviceTokenKey(TEST_SECRET)).toString("hex")).toBe(
      "b04bc5b358318a826da0ae5fafd41b60ddb28f28b6da278dec07a41b5e133355",
    );
  });
});
