import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneRevocations } from "../src/db/prune.js";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

describe.each(DB_KINDS)("revocation feed triggers on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "root@example.com" });
  });
  afterAll(async () => {
    await s.close();
  });

  const feedAfter = async (id: number) =>
    (await s.gh.database.db
      .selectFrom("auth_revocations")
      .selectAll()
      .where("id", ">", id)
      .orderBy("id")
      .execute()) as Array<{
      id: number | string;
      kind: string;
      user_id: string | null;
      session_id: string | null;
      created_at: unknown;
    }>;
  const lastId = async () =>
    Number(
      (
        await s.gh.database.db
          .selectFrom("auth_revocations")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirst()
      )?.m ?? 0,
    );
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  it("records sign-out as a session revocation with an ISO-8601 UTC time", async () => {
    const { token, userId } = await signUpVerified(s, "feed1@example.com");
    const session = await (await s.call("/api/auth/get-session", { headers: bearer(token) })).json();
    const before = await lastId();
    await s.call("/api/auth/sign-out", { method: "POST", headers: bearer(token) });
    const rows = await feedAfter(before);
    expect(rows).toEqual([
      expect.objectContaining({ kind: "session", user_id: userId, session_id: session.session.id }),
    ]);
    if (kind === "sqlite") expect(rows[0]?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    else expect(rows[0]?.created_at).toBeInstanceOf(Date);
  });

  it("records a ban (user cut-off plus its deleted sessions) and a deletion", async () => {
    const root = await signUpVerified(s, "root@example.com");
    const victim = await signUpVerified(s, "feed2@example.com");
    const before = await lastId();
    const ban = await s.call("/api/auth/admin/ban-user", {
      method: "POST",
      headers: bearer(root.token),
      json: { userId: victim.userId, banReason: "spam" },
    });
    expect(ban.status).toBe(200);
    const rows = await feedAfter(before);
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "user", user_id: victim.userId })]));
    expect(rows.filter((r) => r.kind === "session" && r.user_id === victim.userId).length).toBeGreaterThanOrEqual(2);

    expect(rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "user_changed", user_id: victim.userId })]),
    );

    // Banning again is not a new cut-off; unbanning is only a change (caches refresh the user).
    const mid = await lastId();
    await s.gh.database.db
      .updateTable("users")
      .set({ banned: kind === "sqlite" ? 1 : true })
      .where("id", "=", victim.userId)
      .execute();
    expect(await feedAfter(mid)).toEqual([]);
    await s.call("/api/auth/admin/unban-user", {
      method: "POST",
      headers: bearer(root.token),
      json: { userId: victim.userId },
    });
    expect((await feedAfter(mid)).map((r) => r.kind)).toEqual(["user_changed"]);

    // A role change is a change; a rename is not one that matters for authorization.
    const roleMark = await lastId();
    await s.call("/api/auth/admin/set-role", {
      method: "POST",
      headers: bearer(root.token),
      json: { userId: victim.userId, role: "admin" },
    });
    await s.gh.database.db.updateTable("users").set({ name: "renamed" }).where("id", "=", victim.userId).execute();
    expect(await feedAfter(roleMark)).toEqual([
      expect.objectContaining({ kind: "user_changed", user_id: victim.userId }),
    ]);

    const del = await lastId();
    await s.gh.database.db.deleteFrom("users").where("id", "=", victim.userId).execute();
    expect(await feedAfter(del)).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "user", user_id: victim.userId })]),
    );
  });

  it("records a password change, and a reset as a change plus every revoked session", async () => {
    const { token, userId } = await signUpVerified(s, "feed3@example.com");
    const before = await lastId();
    const change = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: bearer(token),
      json: { currentPassword: STRONG_PASSWORD, newPassword: "another good passphrase", revokeOtherSessions: false },
    });
    expect(change.status).toBe(200);
    expect(await feedAfter(before)).toEqual([expect.objectContaining({ kind: "password", user_id: userId })]);
  });

  it("records a session whose expiry is brought forward (or token changed) as session_changed, not an extension", async () => {
    const { token, userId } = await signUpVerified(s, "feed4@example.com");
    const session = await (await s.call("/api/auth/get-session", { headers: bearer(token) })).json();
    const id = session.session.id as string;
    const at = (ms: number) => (kind === "sqlite" ? new Date(ms).toISOString() : new Date(ms));
    const { db } = s.gh.database;
    const before = await lastId();
    await db
      .updateTable("user_sessions")
      .set({ expires_at: at(Date.now() + 30 * 86_400_000) })
      .where("id", "=", id)
      .execute();
    expect(await feedAfter(before)).toEqual([]); // an extension ends nothing
    await db
      .updateTable("user_sessions")
      .set({ expires_at: at(Date.now() - 1000) })
      .where("id", "=", id)
      .execute();
    const expired = await feedAfter(before);
    expect(expired).toEqual([expect.objectContaining({ kind: "session_changed", user_id: userId, session_id: id })]);
    await db
      .updateTable("user_sessions")
      .set({ token: "T".repeat(32) })
      .where("id", "=", id)
      .execute();
    expect((await feedAfter(Number(expired[0]?.id))).map((r) => r.kind)).toEqual(["session_changed"]);
  });
});

describe.each(DB_KINDS)("revocation feed pruning on %s", (kind) => {
  it("drops rows older than a day but the newest of them, and keeps the rest", async () => {
    const s = await startTestServer(kind);
    try {
      const { db } = s.gh.database;
      const at = (msAgo: number) => {
        const d = new Date(Date.now() - msAgo);
        return kind === "sqlite" ? d.toISOString() : d;
      };
      await db
        .insertInto("auth_revocations")
        .values([
          { kind: "session", user_id: "u-old", session_id: "s-oldest", created_at: at(26 * 3600 * 1000) },
          { kind: "session", user_id: "u-old", session_id: "s-old", created_at: at(25 * 3600 * 1000) },
          { kind: "session", user_id: "u-new", session_id: "s-new", created_at: at(60 * 1000) },
        ])
        .execute();
      expect(await pruneRevocations(db, kind)).toBe(1);
      // The newest old row stays: a reader starting from a window starts above it (feed-cursor.ts).
      const left = await db.selectFrom("auth_revocations").select("session_id").orderBy("id").execute();
      expect(left.map((r) => r.session_id)).toEqual(["s-old", "s-new"]);
      expect(await pruneRevocations(db, kind)).toBe(0);
    } finally {
      await s.close();
    }
  });
});
