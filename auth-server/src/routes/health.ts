import { Hono } from "hono";
import type { Database } from "../db/database.js";
import { VERSION } from "../version.js";

/** GET /health: liveness plus database reachability; 503 when the database does not answer. */
export function healthRoutes(database: Database): Hono {
  return new Hono().get("/health", async (c) => {
    const ok = await database.ping();
    return c.json(
      {
        status: ok ? "ok" : "degraded",
        timestamp: new Date().toISOString(),
        database: ok ? "connected" : "disconnected",
        version: VERSION,
      },
      ok ? 200 : 503,
    );
  });
}
