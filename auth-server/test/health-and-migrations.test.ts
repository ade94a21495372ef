import { sql } from "kysely";
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

  it("reads the audit log newest first from an index, the export's keyset included, with no sort", async () => {
    const db = s.gh.database.db;
    // The backend's two reads (services/events.py): the unfiltered page and an export batch after a row.
    const page = "select * from auth_events order by created_at desc, id desc limit 50";
    const batch =
      "select * from auth_events where (created_at, id) < ('2026-11-30T10:00:00.000Z', 42) " +
      "order by created_at desc, id desc limit 500";
    for (const query of [page, batch]) {
      let plan: string;
      if (kind === "sqlite") {
        const rows = await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db);
        plan = rows.rows.map((r) => r.detail).join("\n");
        expect(plan).not.toMatch(/TEMP B-TREE/);
        // The export's batch starts where the last one ended: a range of the index, not a walk from the top.
        if (query === batch) expect(plan).toMatch(/SEARCH auth_events USING INDEX auth_events_created_id_idx/);
      } else {
        // An empty table is cheaper to sort than to read through an index: make a sort the last resort.
        plan = await db.transaction().execute(async (tx) => {
          await sql`set local enable_sort = off`.execute(tx);
          await sql`set local enable_seqscan = off`.execute(tx);
          const rows = await sql
            .raw<{ "QUERY PLAN": string }>(`explain ${query.replaceAll("'2026", "timestamptz '2026")}`)
            .execute(tx);
          return rows.rows.map((r) => r["QUERY PLAN"]).join("\n");
        });
        expect(plan).not.toMatch(/\bSort\b/);
        if (query === batch) expect(plan).toMatch(/Index Cond: \(ROW\(created_at, id\) </);
      }
      expect(plan).toMatch(/auth_events_created_id_idx/);
    }
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
