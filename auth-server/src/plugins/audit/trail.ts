import type { Kysely } from "kysely";
import { AuditEventType, CHARACTER_SETS } from "../../contract.gen.js";
import type { DatabaseKind } from "../../db/database.js";
import type { Logger } from "../../logger.js";
import { forbiddenCodePoint } from "../user-fields/fields.js";

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
 *
 * `track` receives each background write (the server's `BackgroundTasks.handler`): shutdown drains
 * it, so a row whose answer was sent is not lost to a restart, and `settled()` covers it.
 */
export class AuditTrail {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
    private readonly logger: Logger,
    private readonly track: (task: Promise<unknown>) => void = () => {},
  ) {}

  /** Writes one row in the background (handed to `track`); failures go to the log. */
  record(e: AuditEvent): void {
    this.track(
      this.write(e).catch((err: unknown) => this.logger.error({ err, type: e.type }, "could not write auth event")),
    );
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
        user_agent: readable(e.userAgent?.slice(0, 512)),
        success: this.kind === "sqlite" ? (e.success ? 1 : 0) : e.success,
        reason: readable(e.reason?.slice(0, 200)),
        details: e.details ? JSON.stringify(readableDetails(e.details)) : null,
        created_at: this.kind === "sqlite" ? now.toISOString() : now,
      })
      .execute();
  }
}

/**
 * `text` with every code point of the contract's `controls` set (control, invisible and bidirectional
 * formatting characters) replaced by U+FFFD: what a client sent (a refused email address, a user agent) is
 * recorded, but can neither reorder nor hide what an admin reads in the log or its CSV export.
 */
export function readable(text: string | null | undefined): string | null {
  if (text == null) return null;
  if (forbiddenCodePoint(text, CHARACTER_SETS.controls) === null) return text;
  let out = "";
  for (const char of text) out += forbiddenCodePoint(char, CHARACTER_SETS.controls) === null ? char : "\uFFFD";
  return out;
}

function readableDetails(details: NonNullable<AuditEvent["details"]>): NonNullable<AuditEvent["details"]> {
  const out: NonNullable<AuditEvent["details"]> = {};
  for (const [key, value] of Object.entries(details)) {
    out[key] =
      typeof value === "string"
        ? (readable(value) as string)
        : Array.isArray(value)
          ? value.map((v) => readable(v) as string)
          : value;
  }
  return out;
}
