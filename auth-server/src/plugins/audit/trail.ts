import type { Kysely } from "kysely";
import { AuditEventType } from "../../contract.gen.js";
import type { DatabaseKind } from "../../db/database.js";
import type { Logger } from "../../logger.js";

export { AuditEventType };

/** One row of `auth_events`, the audit trail admins read through the backend. */
export interface AuditEvent {
  type: AuditEventType;
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  success: boolean;
  /** A short machine-readable reason (an error code, `role=admin`), never a secret. */
  reason?: string | null;
  /** Who acted, when not the user themself (an admin, or the backend's acting user). */
  actorId?: string | null;
  /**
   * What the row is about, for people reading the log (`{from, to}` of a role change, the ban's
   * end): snake_case keys, strings, booleans, null or lists of strings; never a secret or token.
   * Stored as JSON text in `auth_events.details`.
   */
  details?: Record<string, string | boolean | null | string[]> | null;
}

/**
 * Appends audit rows. The auth server is the trail's only writer (the backend reads it). A row
 * that cannot be written is logged and never fails the request it describes: the action already
 * happened, and refusing it afterwards would only hide that.
 */
export class AuditTrail {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
    private readonly logger: Logger,
  ) {}

  /** Writes one row in the background; failures go to the log. */
  record(e: AuditEvent): void {
    this.write(e).catch((err: unknown) => this.logger.error({ err, type: e.type }, "could not write auth event"));
  }

  /** Writes one row and waits for it (tests, and callers that must know it is stored). */
  async write(e: AuditEvent): Promise<void> {
    const now = new Date();
    await this.db
      .insertInto("auth_events")
      .values({
        type: e.type,
        user_id: e.userId ?? null,
        session_id: e.sessionId ?? null,
        actor_id: e.actorId ?? null,
        ip: e.ip ?? null,
        user_agent: e.userAgent?.slice(0, 512) ?? null,
        success: this.kind === "sqlite" ? (e.success ? 1 : 0) : e.success,
        reason: e.reason?.slice(0, 200) ?? null,
        details: e.details ? JSON.stringify(e.details) : null,
        created_at: this.kind === "sqlite" ? now.toISOString() : now,
      })
      .execute();
  }
}
