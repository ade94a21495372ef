import { type Kysely, sql } from "kysely";
import type { DatabaseKind } from "./database.js";

/**
 * How long revocation rows are kept. Backends replay only the last JWT lifetime plus slack (about
 * 16 minutes) after a restart and follow the feed live otherwise; the auth server's Redis sync
 * resumes from a saved position up to a day minus an hour old. A day is a wide margin for both.
 */
export const REVOCATION_RETENTION_MS = 24 * 3600 * 1000;

/**
 * Deletes revocation-feed rows older than the retention, except the newest of them: a reader
 * starting without a position starts above the newest row older than its window (feed-cursor.ts
 * `windowFloor`), and without one it would have to treat every id below the window as a
 * transaction still open. Returns how many rows went. Idempotent; any number of instances may run it.
 */
export async function pruneRevocations(db: Kysely<any>, kind: DatabaseKind, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - REVOCATION_RETENTION_MS);
  const at = kind === "sqlite" ? cutoff.toISOString() : cutoff;
  const result = await db
    .deleteFrom("auth_revocations")
    .where("created_at", "<", at)
    .where("id", "<", sql<number>`(select max(id) from auth_revocations where created_at < ${at})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
