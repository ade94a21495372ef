import { Hono } from "hono";
import type { OutboxMailer } from "../email/index.js";

/**
 * GET /api/dev/outbox[?to=] — the mails the outbox transport kept, newest first. Mounted only
 * outside production and only with the outbox transport, so it cannot leak real mail.
 */
export function devOutboxRoutes(outbox: OutboxMailer): Hono {
  return new Hono().get("/api/dev/outbox", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(outbox.list(c.req.query("to")));
  });
}
