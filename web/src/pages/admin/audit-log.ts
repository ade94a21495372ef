import type { components } from "../../api/schema.gen";
import { backend, ok } from "../../lib/backend";
import { type AdminUser, listUsersById } from "./admin-api";

/** One row of the audit log (`auth_events`), as the backend's GET /api/v1/admin/events returns it. */
export type AuthEvent = components["schemas"]["AuthEventPublic"];

/** Event types in the order they happen in a person's life; both services write them. */
export const EVENT_NAMES: Record<string, string> = {
  sign_up: "Signed up",
  email_verified: "Email verified",
  sign_in: "Signed in",
  sign_in_failed: "Sign-in failed",
  sign_out: "Signed out",
  password_reset_requested: "Password reset requested",
  password_reset_completed: "Password reset",
  password_changed: "Password changed",
  session_revoked: "Session revoked",
  role_changed: "Role changed",
  user_banned: "Banned",
  user_unbanned: "Unbanned",
  impersonation_started: "Impersonation started",
  impersonation_stopped: "Impersonation stopped",
  oauth_linked: "Provider linked",
  oauth_unlinked: "Provider unlinked",
  user_deleted: "Account deleted",
};

/** "Signed in" for a known type; an unknown one (newer server) still reads: "some_thing" → "Some thing". */
export function eventName(type: string): string {
  const known = Object.hasOwn(EVENT_NAMES, type) ? EVENT_NAMES[type] : undefined;
  if (known) return known;
  const words = type.replace(/_/g, " ").trim();
  return words ? words[0]?.toUpperCase() + words.slice(1) : "Unknown event";
}

export interface EventQuery {
  userId: string;
  type: string;
  page: number;
  pageSize: number;
}

/** Reads the filters from the address, so a link (e.g. from the users table) opens them. */
export function queryFromParams(params: URLSearchParams, pageSize: number): EventQuery {
  const page = Number.parseInt(params.get("page") ?? "0", 10);
  return {
    userId: (params.get("user") ?? "").trim().slice(0, 128),
    type: /^[a-z][a-z0-9_]{0,63}$/.test(params.get("type") ?? "") ? (params.get("type") as string) : "",
    page: Number.isFinite(page) && page > 0 ? page : 0,
    pageSize,
  };
}

/** The address for a query; empty filters and page 0 are left out. */
export function paramsFromQuery(q: Pick<EventQuery, "userId" | "type" | "page">): URLSearchParams {
  const p = new URLSearchParams();
  if (q.userId) p.set("user", q.userId);
  if (q.type) p.set("type", q.type);
  if (q.page > 0) p.set("page", String(q.page));
  return p;
}

/** One page of events, newest first, and how many match in all. */
export async function listEvents(q: EventQuery): Promise<{ events: AuthEvent[]; total: number }> {
  const res = ok(
    await backend.GET("/api/v1/admin/events", {
      params: {
        query: {
          ...(q.userId ? { user_id: q.userId } : {}),
          ...(q.type ? { type: q.type } : {}),
          limit: q.pageSize,
          offset: q.page * q.pageSize,
        },
      },
    }),
  );
  return { events: res.data, total: res.count };
}

/** The people a page of events mentions (subjects and acting admins), in one request. */
export async function usersForEvents(events: readonly AuthEvent[]): Promise<Map<string, AdminUser>> {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.user_id) ids.add(e.user_id);
    if (e.actor_id) ids.add(e.actor_id);
  }
  const users = await listUsersById([...ids]);
  return new Map(users.map((u) => [u.id, u]));
}
