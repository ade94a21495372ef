import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUpVerified, startTestServer, type TestServer } from "./harness.js";
import { eventually } from "./support/gatehouse-on.js";
import { startRedis } from "./support/redis-server.js";

describe("with Redis secondary storage", () => {
  let s: TestServer;
  let stopRedis: () => Promise<void>;
  beforeAll(async () => {
    const redis = await startRedis();
    stopRedis = redis.stop;
    s = await startTestServer("postgres", { REDIS_URL: redis.url });
    await s.gh.startBackground();
  });
  afterAll(async () => {
    await s.close();
    await stopRedis();
  });
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const session = async (t: string) => (await s.call("/api/auth/get-session", { headers: bearer(t) })).json();

  it("keeps sessions in the database too", async () => {
    const { userId } = await signUpVerified(s, "both@example.com");
    const rows = await s.gh.database.db
      .selectFrom("user_sessions")
      .select("id")
      .where("user_id", "=", userId)
      .execute();
    expect(rows.length).toBeGreaterThan(0);
  });

  it("forgets a cached session that another writer deleted from the database", async () => {
    const { token, userId } = await signUpVerified(s, "cached@example.com");
    expect((await session(token))?.user.id).toBe(userId);
    // What the backend's revoke route does: a plain DELETE on the shared table.
    await s.gh.database.db.deleteFrom("user_sessions").where("user_id", "=", userId).execute();
    await eventually(async () => (await session(token)) === null, 5_000, "session refused");
  });

  it("honours a ban written straight into the database as a cut-off for cached sessions", async () => {
    const { token, userId } = await signUpVerified(s, "banned-directly@example.com");
    expect(await session(token)).not.toBeNull();
    await s.gh.database.db.updateTable("users").set({ banned: true }).where("id", "=", userId).execute();
    await eventually(async () => (await session(token)) === null, 5_000, "session refused");
  });

  it("sees a role change written straight into the database", async () => {
    const { token, userId } = await signUpVerified(s, "promoted-directly@example.com");
    expect((await session(token))?.user.role).toBe("user");
    await s.gh.database.db.updateTable("users").set({ role: "admin" }).where("id", "=", userId).execute();
    await eventually(async () => (await session(token))?.user.role === "admin", 5_000, "role seen");
  });
});
