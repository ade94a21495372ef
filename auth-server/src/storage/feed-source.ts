import { type Kysely, sql } from "kysely";
import type { DatabaseKind } from "../db/database.js";
import type { FeedBounds, FeedQuery } from "./feed-cursor.js";

/** One row of `auth_revocations` (migration 0002; kinds in contract/gatehouse.json `feedKinds`). */
export interface FeedRow {
  id: number;
  kind: string;
  userId: string | null;
  sessionId: string | null;
  /** When the row was written, on the database's clock (ms since the epoch). */
  createdAtMs: number;
}

interface RawRow {
  id: number | string;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  created_at: string | Date;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Reads the revocation feed for the auth server's Redis sync. Every time comes from the
 * database's clock, never this process's: the rows' `created_at` are written by the database
 * (PostgreSQL `clock_timestamp()`, SQLite `strftime('now')`), so a window measured by another
 * clock would start in the wrong place by the skew between them.
 */
export class FeedSource {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
  ) {}

  /** One look at the table: max(id), where a `windowMs` window starts, and the database's now. */
  async bounds(windowMs: number): Promise<FeedBounds> {
    const seconds = windowMs / 1000;
    const query =
      this.kind === "postgres"
        ? sql<Record<string, unknown>>`select
            (select max(id) from auth_revocations) as newest,
            (select max(id) from auth_revocations where created_at <= now() - make_interval(secs => ${seconds})) as older_max,
            (select min(id) from auth_revocations where created_at > now() - make_interval(secs => ${seconds})) as recent_min,
            floor(extract(epoch from now()) * 1000)::bigint as now_ms`
        : sql<Record<string, unknown>>`select
            (select max(id) from auth_revocations) as newest,
            (select max(id) from auth_revocations
              where created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`-${seconds} seconds`})) as older_max,
            (select min(id) from auth_revocations
              where created_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`-${seconds} seconds`})) as recent_min,
            cast(round((julianday('now') - 2440587.5) * 86400000) as integer) as now_ms`;
    const row = (await query.execute(this.db)).rows[0] ?? {};
    return {
      newest: num(row.newest) ?? 0,
      olderMax: num(row.older_max),
      recentMin: num(row.recent_min),
      nowMs: num(row.now_ms) ?? Date.now(),
    };
  }

  /** The database's clock now (ms since the epoch). */
  async nowMs(): Promise<number> {
    const query =
      this.kind === "postgres"
        ? sql<{ now_ms: string }>`select floor(extract(epoch from now()) * 1000)::bigint as now_ms`
        : sql<{ now_ms: number }>`select cast(round((julianday('now') - 2440587.5) * 86400000) as integer) as now_ms`;
    return Number((await query.execute(this.db)).rows[0]?.now_ms);
  }

  /** Rows with id > afterId or id in gaps, in id order, at most `limit` (one cursor read). */
  read = async ({ afterId, gaps }: FeedQuery, limit: number): Promise<FeedRow[]> => {
    const rows = (await this.db
      .selectFrom("auth_revocations")
      .select(["id", "kind", "user_id", "session_id", "created_at"])
      .where((eb) => (gaps.length > 0 ? eb.or([eb("id", ">", afterId), eb("id", "in", gaps)]) : eb("id", ">", afterId)))
      .orderBy("id")
      .limit(limit)
      .execute()) as RawRow[];
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      userId: r.user_id,
      sessionId: r.session_id,
      createdAtMs: new Date(r.created_at).getTime(),
    }));
  };
}
