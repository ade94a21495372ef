import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, startTestServer, type TestServer } from "./harness.js";

describe.each(DB_KINDS)("health and migrations on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  it("reports a connected database", async () => {
    const res = await s.call("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      database: "connected",
      version: expect.any(String),
      timestamp: expect.any(String),
    });
  });

  it("re-running migrations changes nothing", async () => {
    expect(await s.gh.migrate()).toEqual([]);
    expect(await Promise.all([s.gh.migrate(), s.gh.migrate()])).toEqual([[], []]);
  });

  it("creates the snake_case tables of the data contract", async () => {
    const tables = (await s.gh.database.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(
      expect.arrayContaining(["users", "user_sessions", "accounts", "verifications", "auth_jwks"]),
    );
    const users = (await s.gh.database.db.introspection.getTables()).find((t) => t.name === "users");
    expect(users?.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "email_verified",
        "created_at",
        "updated_at",
        "role",
        "banned",
        "ban_reason",
        "ban_expires",
      ]),
    );
    const sessions = (await s.gh.database.db.introspection.getTables()).find((t) => t.name === "user_sessions");
    expect(sessions?.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining(["user_id", "expires_at", "ip_address", "user_agent", "impersonated_by"]),
    );
  });
});

describe("health when the database is gone", () => {
  it("answers 503 with database: disconnected", async () => {
    const s = await startTestServer("postgres");
    await s.gh.database.close();
    const res = await s.call("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "degraded", database: "disconnected" });
    await s.close().catch(() => {});
  });
});
