import type { Kysely } from "kysely";
import type { DatabaseKind } from "./database.js";

/**
 * How long revocation rows are kept. Backends replay only the last JWT lifetime plus slack (about
 * 16 minutes) after a restart and follow the feed live otherwise, so a day is a wide margin.
 */
export const REVOCATION_RETENTION_MS = 24 * 3600 * 1000;

/** Deletes revocation-feed rows older than the retention; returns how many went. */
export async function pruneRevocations(db: Kysely<any>, kind: DatabaseKind, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - REVOCATION_RETENTION_MS);
  const result = await db
    .deleteFrom("auth_revocations")
    .where("created_at", "<", kind === "sqlite" ? cutoff.toISOString() : cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
