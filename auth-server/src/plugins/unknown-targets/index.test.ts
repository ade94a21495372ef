import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";
import { TARGETS } from "./index.js";

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

// An admin or user endpoint naming a user or session that does not exist answers 404, as every
// other one does, not 200 for nothing done — on both databases.
describe.each(DB_KINDS)("unknown users and sessions on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  let user: { token: string; userId: string };
  let other: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "ut-admin@example.com" });
    admin = await signUpVerified(s, "ut-admin@example.com");
    user = await signUpVerified(s, "ut-user@example.com");
    other = await signUpVerified(s, "ut-other@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const post = async (path: string, json: unknown, token: string) => {
    const res = await s.call(`/api/auth${path}`, { method: "POST", json, headers: bearer(token) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sessionsOf = async (userId: string) =>
    (await s.gh.database.db.selectFrom("user_sessions").select("id").where("user_id", "=", userId).execute()).length;
  /** A live session's token as list-user-sessions shows it (the bearer token is that, signed). */
  const rawToken = async (userId: string) =>
    (
      await s.gh.database.db
        .selectFrom("user_sessions")
        .select("token")
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow()
    ).token as string;

  it("answers 404 for an unknown user or session, on every endpoint that named one and said 200", async () => {
    expect(Object.keys(TARGETS).sort()).toEqual(
      [
        "/admin/list-user-sessions",
        "/admin/revoke-user-session",
        "/admin/revoke-user-sessions",
        "/revoke-session",
      ].sort(),
    );
    const sessionGone = { status: 404, body: { code: "SESSION_NOT_FOUND", message: expect.any(String) } };
    const userGone = { status: 404, body: { code: "USER_NOT_FOUND", message: expect.any(String) } };
    expect(await post("/admin/revoke-user-session", { sessionToken: "no-such-token" }, admin.token)).toMatchObject(
      sessionGone,
    );
    expect(await post("/admin/revoke-user-sessions", { userId: "no-such-user" }, admin.token)).toMatchObject(userGone);
    expect(await post("/admin/list-user-sessions", { userId: "no-such-user" }, admin.token)).toMatchObject(userGone);
    expect(await post("/revoke-session", { token: "no-such-token" }, user.token)).toMatchObject(sessionGone);
    // Another user's live session is "no such session" to a user: nothing revoked, nothing learnt.
    const before = await sessionsOf(other.userId);
    const theirs = await rawToken(other.userId);
    expect(await post("/revoke-session", { token: theirs }, user.token)).toMatchObject(sessionGone);
    expect(await sessionsOf(other.userId)).toBe(before);
  });

  it("still refuses non-admins first, so the 404 tells them nothing", async () => {
    for (const [path, json] of [
      ["/admin/revoke-user-session", { sessionToken: "no-such-token" }],
      ["/admin/revoke-user-sessions", { userId: "no-such-user" }],
      ["/admin/list-user-sessions", { userId: "no-such-user" }],
    ] as const) {
      expect((await post(path, json, user.token)).status, path).toBe(403);
      const anonymous = await s.call(`/api/auth${path}`, { method: "POST", json });
      expect(anonymous.status, path).toBe(401);
    }
  });

  it("acts as before on users and sessions that exist", async () => {
    expect(await post("/admin/list-user-sessions", { userId: other.userId }, admin.token)).toMatchObject({
      status: 200,
      body: { sessions: expect.arrayContaining([expect.objectContaining({ userId: other.userId })]) },
    });
    const second = await signUpVerified(s, "ut-second@example.com");
    const before = await sessionsOf(second.userId);
    expect(
      (await post("/admin/revoke-user-session", { sessionToken: await rawToken(second.userId) }, admin.token)).status,
    ).toBe(200);
    expect(await sessionsOf(second.userId)).toBe(before - 1);
    expect((await post("/admin/revoke-user-sessions", { userId: other.userId }, admin.token)).status).toBe(200);
    expect(await sessionsOf(other.userId)).toBe(0);
    const mine = await sessionsOf(user.userId);
    expect((await post("/revoke-session", { token: await rawToken(user.userId) }, user.token)).status).toBe(200);
    expect(await sessionsOf(user.userId)).toBe(mine - 1);
    // A user with no sessions left still exists: an empty list, not 404.
    expect(await post("/admin/list-user-sessions", { userId: other.userId }, admin.token)).toMatchObject({
      status: 200,
      body: { sessions: [] },
    });
  });
});
