import { bodyOf, type HookContext } from "../hook-context.js";
import { isBanFlagSet } from "../session-rule/ban.js";
import { type AuditEvent, AuditEventType } from "./trail.js";

/** What an admin action records, before the request's actor, IP and user agent are added. */
type ActionEvent = Omit<AuditEvent, "ip" | "userAgent" | "actorId">;

const roleOf = (ctx: HookContext): string => {
  const returned = ctx.context.returned as { user?: { role?: unknown }; role?: unknown } | undefined;
  const stored = returned?.user?.role ?? returned?.role;
  if (typeof stored === "string") return stored;
  const asked = bodyOf(ctx).role;
  return Array.isArray(asked) ? asked.join(",") : String(asked);
};

const target = (ctx: HookContext): string | null => {
  const id = bodyOf(ctx).userId;
  return typeof id === "string" ? id : null;
};

/**
 * The rows a user update records, from what it wrote: a role, a ban coming or going, and any
 * other field as one USER_UPDATED row naming the fields. Shared by better-auth's
 * /admin/update-user and the internal API's update-user.
 */
function userUpdateEvents(ctx: HookContext): ActionEvent[] {
  const userId = target(ctx);
  const data = bodyOf({ body: bodyOf(ctx).data });
  const events: ActionEvent[] = [];
  if ("role" in data)
    events.push({ type: AuditEventType.ROLE_CHANGED, userId, success: true, reason: `role=${roleOf(ctx)}` });
  if ("banned" in data) {
    events.push(
      isBanFlagSet(data.banned)
        ? { type: AuditEventType.USER_BANNED, userId, success: true, reason: "banned" }
        : { type: AuditEventType.USER_UNBANNED, userId, success: true },
    );
  }
  // Every other field (name, image, email, …) by name only, never its value.
  const changed = Object.keys(data).filter((k) => k !== "role" && k !== "banned");
  if (changed.length > 0)
    events.push({
      type: AuditEventType.USER_UPDATED,
      userId,
      success: true,
      reason: `fields=${changed.sort().join(",")}`,
    });
  return events;
}

/**
 * Admin actions by endpoint path: better-auth's admin plugin (`/admin/...`, the acting admin is
 * the session's user) and Gatehouse's internal admin API (`/internal/admin/...`, the acting user
 * is the service token's subject). Session revocations are not here: every deleted session is
 * recorded once by the session delete hook, whichever endpoint deleted it.
 */
export const ADMIN_ACTIONS: Record<string, (ctx: HookContext) => ActionEvent[]> = {
  "/admin/set-role": (ctx) => [
    { type: AuditEventType.ROLE_CHANGED, userId: target(ctx), success: true, reason: `role=${roleOf(ctx)}` },
  ],
  "/admin/ban-user": (ctx) => [
    { type: AuditEventType.USER_BANNED, userId: target(ctx), success: true, reason: "banned" },
  ],
  "/admin/unban-user": (ctx) => [{ type: AuditEventType.USER_UNBANNED, userId: target(ctx), success: true }],
  "/admin/update-user": userUpdateEvents,
  "/admin/impersonate-user": (ctx) => [
    { type: AuditEventType.IMPERSONATION_STARTED, userId: target(ctx), success: true },
  ],
  "/admin/set-user-password": (ctx) => [
    { type: AuditEventType.PASSWORD_CHANGED, userId: target(ctx), success: true, reason: "admin" },
  ],
  "/internal/admin/set-role": (ctx) => [
    { type: AuditEventType.ROLE_CHANGED, userId: target(ctx), success: true, reason: `role=${roleOf(ctx)}` },
  ],
  "/internal/admin/ban-user": (ctx) => [
    { type: AuditEventType.USER_BANNED, userId: target(ctx), success: true, reason: "banned" },
  ],
  "/internal/admin/unban-user": (ctx) => [{ type: AuditEventType.USER_UNBANNED, userId: target(ctx), success: true }],
  "/internal/admin/update-user": userUpdateEvents,
};
