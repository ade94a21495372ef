import type { Kysely } from "kysely";
import type { DatabaseKind } from "../db/database.js";

/** Every event type the auth_events table holds (both services write them). */
export const AuthEventType = {
  SIGN_UP: "sign_up",
  EMAIL_VERIFIED: "email_verified",
  SIGN_IN: "sign_in",
  SIGN_IN_FAILED: "sign_in_failed",
  SIGN_OUT: "sign_out",
  PASSWORD_RESET_REQUESTED: "password_reset_requested",
  PASSWORD_RESET_COMPLETED: "password_reset_completed",
  PASSWORD_CHANGED: "password_changed",
  SESSION_REVOKED: "session_revoked",
  ROLE_CHANGED: "role_changed",
  USER_BANNED: "user_banned",
  USER_UNBANNED: "user_unbanned",
  IMPERSONATION_STARTED: "impersonation_started",
  IMPERSONATION_STOPPED: "impersonation_stopped",
  OAUTH_LINKED: "oauth_linked",
  OAUTH_UNLINKED: "oauth_unlinked",
  USER_DELETED: "user_deleted",
} as const;

export type AuthEventType = (typeof AuthEventType)[keyof typeof AuthEventType];

export interface AuthEvent {
  type: AuthEventType;
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  success: boolean;
  /** A short machine-readable reason (an error code), never a secret. */
  reason?: string | null;
  /** Who acted, when not the user themself (an admin). */
  actorId?: string | null;
}

/** Appends audit rows; a failure to write one is logged by the caller, never fatal to the request. */
export class AuthEventLog {
  constructor(
    private readonly db: Kysely<any>,
    private readonly kind: DatabaseKind,
  ) {}

  async record(e: AuthEvent): Promise<void> {
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
        created_at: this.kind === "sqlite" ? now.toISOString() : now,
      })
      .execute();
  }
}
