import { bodyOf, type HookContext } from "../hook-context.js";
import { type AuditEvent, AuditEventType } from "./trail.js";

/** What an admin action records, before the request's actor, IP and user agent are added. */
type ActionEvent = Omit<AuditEvent, "ip" | "userAgent" | "actorId">;

const target = (ctx: HookContext): string | null => {
  const id = bodyOf(ctx).userId;
  return typeof id === "string" ? id : null;
};

/**
 * Admin actions recorded by endpoint path, where no database write says what happened. Role,
 * ban, profile and email changes are not here: the user update hooks record them whichever
 * endpoint (better-auth's admin plugin, the internal API) made them, and every deleted session is
 * recorded once by the session delete hook.
 */
export const ADMIN_ACTIONS: Record<string, (ctx: HookContext) => ActionEvent[]> = {
  "/admin/impersonate-user": (ctx) => [
    { type: AuditEventType.IMPERSONATION_STARTED, userId: target(ctx), success: true },
  ],
  "/admin/set-user-password": (ctx) => [
    { type: AuditEventType.PASSWORD_CHANGED, userId: target(ctx), success: true, reason: "admin" },
  ],
};
