import type { Redis } from "ioredis";
import type { FeedPosition } from "./feed-cursor.js";

/**
 * better-auth's session cache in Redis (its `secondaryStorage` layout, better-auth 1.7
 * `db/internal-adapter`), as the revocation sync edits it:
 * - `<token>` → JSON `{session, user}`, expiring with the session;
 * - `active-sessions-<userId>` → JSON `[{token, expiresAt}]`, the user's cached sessions;
 * - `revoked-sessions-before-<userId>` → ms; a cached session created earlier is refused.
 *
 * Evicting is always safe: with `storeSessionInDatabase` better-auth answers a token missing from
 * Redis from the database, which has the final word. So whenever the cache and the database might
 * disagree, the entry goes. The cut-off is the one write that refuses sessions, and it is only ever
 * set from the database's own record of a ban or deletion.
 */
export class RedisSessionCache {
  /** Tokens evicted recently, by when: deleted again on each `recheck` (see there). */
  private readonly recent = new Map<string, number>();

  constructor(
    readonly client: Redis,
    /** The key prefix better-auth's storage was given (`redisStorage({ keyPrefix })`). */
    readonly prefix: string,
    private readonly options: { cutOffTtlSeconds: number; recheckMs?: number; maxRecent?: number },
  ) {}

  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Tokens of the user's cached sessions, from better-auth's per-user list. */
  async tokensOf(userId: string): Promise<string[]> {
    const raw = await this.client.get(this.key(`active-sessions-${userId}`));
    const list = parseJson(raw);
    if (!Array.isArray(list)) return [];
    return list.flatMap((ref: unknown) => {
      const token = (ref as { token?: unknown })?.token;
      return typeof token === "string" ? [token] : [];
    });
  }

  /** Evicts the cached copy of session `sessionId`; returns how many entries went. */
  async evictSession(userId: string, sessionId: string): Promise<number> {
    const tokens = await this.tokensOf(userId);
    if (tokens.length === 0) return 0;
    const values = await this.client.mget(tokens.map((t) => this.key(t)));
    const doomed = tokens.filter((_, i) => {
      const entry = parseJson(values[i] ?? null) as CachedEntry | null;
      // An unreadable entry cannot be proved to be another session's: evict it too.
      return values[i] !== null && (entry?.session?.id === sessionId || !isEntry(entry));
    });
    await this.evict(doomed);
    return doomed.length;
  }

  /** Evicts every cached session of the user. */
  async evictUserSessions(userId: string): Promise<number> {
    const tokens = await this.tokensOf(userId);
    await this.evict(tokens);
    return tokens.length;
  }

  /**
   * A ban or deletion recorded by the database at `atMs`: cached sessions created before it are
   * refused, exactly as better-auth's own key says (atomic max, so a racing writer cannot lower it).
   */
  async cutOffUser(userId: string, atMs: number): Promise<void> {
    await this.client.eval(
      `local prev = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
       local at = tonumber(ARGV[1])
       if prev > at then at = prev end
       redis.call('SET', KEYS[1], string.format('%d', at), 'EX', ARGV[2])
       return at`,
      1,
      this.key(`revoked-sessions-before-${userId}`),
      String(Math.floor(atMs)),
      String(this.options.cutOffTtlSeconds),
    );
  }

  /**
   * A user changed (role, ban, email, verification): rewrite the user inside each cached session,
   * or evict them all when the user is gone. Compare-and-set, so an entry that better-auth changed
   * or deleted meanwhile is never written back; one that keeps changing is evicted instead.
   */
  async refreshUser(userId: string, fresh: Record<string, unknown> | null): Promise<void> {
    const tokens = await this.tokensOf(userId);
    if (fresh === null) return void (await this.evict(tokens));
    for (const token of tokens) {
      let written = false;
      for (let attempt = 0; attempt < 3 && !written; attempt++) {
        const before = await this.client.get(this.key(token));
        if (before === null) {
          written = true; // gone already: nothing to refresh
          break;
        }
        const entry = parseJson(before) as CachedEntry | null;
        if (!isEntry(entry)) break;
        const after = JSON.stringify({ ...entry, user: { ...entry.user, ...fresh } });
        written = (await this.client.eval(COMPARE_AND_SET, 1, this.key(token), before, after)) === 1;
      }
      if (!written) await this.evict([token]);
    }
  }

  /**
   * Deletes tokens evicted in the last `recheckMs` again. better-auth updates a cached session by
   * reading it and writing it back (`updateSession`); a read just before an eviction and a write
   * just after it would bring a deleted session back. A token never comes back legitimately.
   */
  async recheck(nowMs = Date.now()): Promise<number> {
    const window = this.options.recheckMs ?? 5_000;
    for (const [token, at] of this.recent) if (nowMs - at > window) this.recent.delete(token);
    if (this.recent.size === 0) return 0;
    return this.client.del(...[...this.recent.keys()].map((t) => this.key(t)));
  }

  async loadPosition(): Promise<SavedPosition | null> {
    return parseJson(await this.client.get(this.key(POSITION_KEY))) as SavedPosition | null;
  }

  async savePosition(position: SavedPosition, ttlSeconds: number): Promise<void> {
    await this.client.set(this.key(POSITION_KEY), JSON.stringify(position), "EX", Math.max(1, Math.floor(ttlSeconds)));
  }

  async forgetPosition(): Promise<void> {
    await this.client.del(this.key(POSITION_KEY));
  }

  /** Deletes the entries and remembers them for `recheck`. */
  async evict(tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.client.del(...tokens.map((t) => this.key(t)));
    const now = Date.now();
    const max = this.options.maxRecent ?? 10_000;
    for (const token of tokens) {
      this.recent.delete(token);
      this.recent.set(token, now);
    }
    // Bounded: the oldest go first (insertion order).
    for (const token of this.recent.keys()) {
      if (this.recent.size <= max) break;
      this.recent.delete(token);
    }
  }
}

/** Where the sync's position lives, beside the cache it describes. */
export const POSITION_KEY = "revocation-feed-position";

/** The position as saved in Redis: the cursor's, plus when (database clock, ms). */
export interface SavedPosition extends FeedPosition {
  savedAtMs: number;
}

/** A cached `{session, user}` entry, as far as the sync reads it. */
export interface CachedEntry {
  session: { id: string; userId: string; token?: string; expiresAt?: string; createdAt?: string };
  user: Record<string, unknown> & { id?: string };
}

export function isEntry(v: unknown): v is CachedEntry {
  const e = v as CachedEntry | null;
  return Boolean(e && typeof e === "object" && e.session && typeof e.session.id === "string" && e.user);
}

export function parseJson(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** Writes ARGV[2] only if the key still holds ARGV[1], keeping its expiry. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

/** The secondary-storage calls better-auth makes (the shape `redisStorage` returns). */
export interface SessionStorage {
  get(key: string): Promise<unknown>;
}

/** A better-auth session-token key: `generateId(32)`, letters and digits. */
const SESSION_TOKEN_KEY = /^[A-Za-z0-9]{32}$/;

/**
 * Fail safe, as the backend's feed is: while the revocation sync is not known to be current (not
 * started yet, or no successful read for longer than its staleness bound), a cached session might
 * be one the database has deleted, so session lookups skip Redis and better-auth reads the
 * database (`storeSessionInDatabase`). Writes, rate limits and cut-offs still use Redis.
 */
export function guardSessionReads<S extends SessionStorage>(storage: S, isCurrent: () => boolean): S {
  return {
    ...storage,
    get: (key: string) => (SESSION_TOKEN_KEY.test(key) && !isCurrent() ? Promise.resolve(null) : storage.get(key)),
  };
}
