import type { Kysely } from "kysely";
import { AUTH_SCHEMA } from "../db/schema-names.js";
import { type CachedEntry, isEntry, parseJson, type RedisSessionCache } from "./session-cache.js";

/** better-auth's session tokens: `generateId(32)`, letters and digits (allowing other lengths). */
const TOKEN = /^[A-Za-z0-9]{16,128}$/;
/** Keys per SCAN step and per database lookup. */
const STEP = 500;
/** SCAN ends when its cursor returns to 0; this only stops a misbehaving server from looping us. */
const MAX_STEPS = 1_000_000;

interface DbSession {
  id: string;
  token: string;
  user_id: string;
  expires_at: string | Date;
  email: string;
  email_verified: unknown;
  role: string | null;
  banned: unknown;
  ban_expires: string | Date | null;
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : new Date(v as string).getTime());

/**
 * Whether a cached entry still says what the database says about the session and the fields of
 * its user that decide access. better-auth caches the user as its adapter returned it (booleans,
 * dates as ISO strings); the database may hold a ban as any truthy value.
 */
function agrees(entry: CachedEntry, row: DbSession): boolean {
  const u = entry.user as Record<string, unknown>;
  return (
    entry.session.id === row.id &&
    entry.session.userId === row.user_id &&
    ms(entry.session.expiresAt) === ms(row.expires_at) &&
    u.email === row.email &&
    Boolean(u.emailVerified) === Boolean(row.email_verified) &&
    (u.role ?? null) === (row.role ?? null) &&
    Boolean(u.banned) === Boolean(row.banned) &&
    ms(u.banExpires) === ms(row.ban_expires)
  );
}

/**
 * Compares every session cached in Redis with the database and evicts each one whose row is gone
 * or disagrees. For when the feed cannot say what happened while no sync ran: no saved position
 * (first start, Redis flushed or lost it), or one older than the feed's retention. Cost: one SCAN
 * over the prefix plus one indexed lookup per 500 cached sessions; nothing when the cache is empty.
 */
export async function reconcileCachedSessions(
  cache: RedisSessionCache,
  db: Kysely<any>,
): Promise<{ checked: number; evicted: number }> {
  const s = AUTH_SCHEMA.session;
  const u = AUTH_SCHEMA.core.user;
  const a = AUTH_SCHEMA.admin.user.fields;
  let checked = 0;
  let evicted = 0;
  let cursor = "0";
  for (let step = 0; step < MAX_STEPS; step++) {
    const [next, keys] = await cache.client.scan(cursor, "MATCH", `${escapeGlob(cache.prefix)}*`, "COUNT", STEP);
    cursor = next;
    const tokens = keys.map((k) => k.slice(cache.prefix.length)).filter((t) => TOKEN.test(t));
    if (tokens.length > 0) {
      const values = await cache.client.mget(tokens.map((t) => cache.key(t)));
      const entries = new Map<string, CachedEntry>();
      tokens.forEach((t, i) => {
        const entry = parseJson(values[i] ?? null);
        if (isEntry(entry)) entries.set(t, entry);
      });
      if (entries.size > 0) {
        const rows = (await db
          .selectFrom(`${s.modelName} as s`)
          .innerJoin(`${u.modelName} as u`, "u.id", `s.${s.fields.userId}`)
          .select([
            "s.id as id",
            "s.token as token",
            `s.${s.fields.userId} as user_id`,
            `s.${s.fields.expiresAt} as expires_at`,
            "u.email as email",
            `u.${u.fields.emailVerified} as email_verified`,
            "u.role as role",
            "u.banned as banned",
            `u.${a.banExpires} as ban_expires`,
          ])
          .where("s.token", "in", [...entries.keys()])
          .execute()) as DbSession[];
        const byToken = new Map(rows.map((r) => [r.token, r]));
        const stale = [...entries].filter(([t, e]) => !byToken.has(t) || !agrees(e, byToken.get(t) as DbSession));
        await cache.evict(stale.map(([t]) => t));
        checked += entries.size;
        evicted += stale.length;
      }
    }
    if (cursor === "0") break;
  }
  return { checked, evicted };
}

function escapeGlob(prefix: string): string {
  return prefix.replace(/[\\*?[\]]/g, "\\$&");
}
