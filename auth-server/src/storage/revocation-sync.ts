import type { Kysely } from "kysely";
import type { Logger } from "../logger.js";
import type { SecondaryStorage } from "./redis.js";

interface RevocationRow {
  id: number | string;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  created_at: string | Date;
}

/**
 * With Redis, better-auth answers get-session from its cache first, so a session deleted in the
 * database by another writer (the backend's ban or revoke routes, an operator's SQL) would live on
 * at the auth server until the cache entry expires. This follows the revocation feed and evicts
 * those entries the way better-auth itself does: per-session keys for 'session' rows, the
 * per-user "revoked before" cut-off for 'user' rows; 'user_changed' rows rewrite the user inside
 * cached sessions so role and ban changes made elsewhere are seen at once.
 */
export class RevocationCacheSync {
  private lastId = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<any>,
    private readonly storage: SecondaryStorage,
    private readonly logger: Logger,
    private readonly intervalMs = 250,
  ) {}

  /** Starts after the newest existing row: older revocations were applied when they happened. */
  async start(): Promise<void> {
    const row = await this.db
      .selectFrom("auth_revocations")
      .select((eb) => eb.fn.max("id").as("m"))
      .executeTakeFirst();
    this.lastId = Number(row?.m ?? 0);
    this.timer = setInterval(() => {
      this.running ??= this.poll()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, "revocation cache sync failed; retrying"))
        .finally(() => {
          this.running = null;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Applies every feed row after the last one seen. */
  async poll(): Promise<number> {
    const rows = (await this.db
      .selectFrom("auth_revocations")
      .selectAll()
      .where("id", ">", this.lastId)
      .orderBy("id")
      .limit(1000)
      .execute()) as RevocationRow[];
    for (const row of rows) {
      if (row.user_id) {
        if (row.kind === "session" && row.session_id) await this.evictSession(row.user_id, row.session_id);
        else if (row.kind === "user") await this.cutOffUser(row.user_id, new Date(row.created_at).getTime());
        else if (row.kind === "user_changed") await this.refreshUser(row.user_id);
      }
      this.lastId = Number(row.id);
    }
    return rows.length;
  }

  private async evictSession(userId: string, sessionId: string): Promise<void> {
    const refs = JSON.parse((await this.storage.get(`active-sessions-${userId}`)) ?? "[]") as Array<{ token: string }>;
    for (const { token } of refs) {
      const cached = await this.storage.get(token);
      if (!cached) continue;
      const parsed = JSON.parse(cached) as { session?: { id?: string } };
      if (parsed.session?.id === sessionId) await this.storage.delete(token);
    }
  }

  /**
   * A role, ban or email change made elsewhere: rewrite the user inside each cached session so
   * the next lookup sees it (the cached entry stays, so a 'user' cut-off still applies to it).
   */
  private async refreshUser(userId: string): Promise<void> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!row) return;
    const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string | Date).toISOString());
    const fresh = {
      email: row.email,
      name: row.name,
      image: row.image ?? null,
      emailVerified: Boolean(row.email_verified),
      role: row.role ?? null,
      banned: row.banned == null ? null : Boolean(row.banned),
      banReason: row.ban_reason ?? null,
      banExpires: iso(row.ban_expires),
      updatedAt: iso(row.updated_at),
    };
    const refs = JSON.parse((await this.storage.get(`active-sessions-${userId}`)) ?? "[]") as Array<{
      token: string;
      expiresAt: number;
    }>;
    for (const { token, expiresAt } of refs) {
      const cached = await this.storage.get(token);
      if (!cached) continue;
      const entry = JSON.parse(cached) as { user?: Record<string, unknown> };
      entry.user = { ...entry.user, ...fresh };
      const ttl = Math.floor((expiresAt - Date.now()) / 1000);
      if (ttl > 0) await this.storage.set(token, JSON.stringify(entry), ttl);
    }
  }

  private async cutOffUser(userId: string, at: number): Promise<void> {
    const key = `revoked-sessions-before-${userId}`;
    const previous = Number(await this.storage.get(key)) || 0;
    // Same key and meaning as better-auth's own: sessions created before this instant are dead.
    await this.storage.set(key, String(Math.max(previous, at)), 8 * 24 * 3600);
  }
}
