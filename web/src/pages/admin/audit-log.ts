import type { components } from "../../api/schema.gen";
import { backend, ok } from "../../lib/backend";
import { formatDateTime } from "../../lib/format";
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
  user_created: "Account created",
  user_updated: "Profile changed",
  email_change_requested: "Email change requested",
  email_changed: "Email changed",
  verification_email_sent: "Verification link sent again",
  two_factor_enabled: "Two-step sign-in turned on",
  two_factor_disabled: "Two-step sign-in turned off",
  two_factor_verified: "Second factor accepted",
  two_factor_failed: "Second factor refused",
  backup_codes_generated: "New backup codes",
  passkey_added: "Passkey added",
  passkey_deleted: "Passkey removed",
  passkey_failed: "Passkey sign-in failed",
  second_factor_reset: "Second factors reset",
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
  /** Part of an email address or a name (of the user or the acting admin). */
  q: string;
  /** Calendar days, YYYY-MM-DD, in the reader's time zone; `to` is included. */
  from: string;
  to: string;
  failures: boolean;
  page: number;
  pageSize: number;
}

type Filters = Omit<EventQuery, "pageSize">;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads the filters from the address, so a link (e.g. from the users table) opens them. */
export function queryFromParams(params: URLSearchParams, pageSize: number): EventQuery {
  const page = Number.parseInt(params.get("page") ?? "0", 10);
  const day = (k: string): string => (DAY.test(params.get(k) ?? "") ? (params.get(k) as string) : "");
  return {
    userId: (params.get("user") ?? "").trim().slice(0, 128),
    type: /^[a-z][a-z0-9_]{0,63}$/.test(params.get("type") ?? "") ? (params.get("type") as string) : "",
    q: (params.get("q") ?? "").trim().slice(0, 200),
    from: day("from"),
    to: day("to"),
    failures: params.get("failures") === "1",
    page: Number.isFinite(page) && page > 0 ? page : 0,
    pageSize,
  };
}

/** The address for a query; empty filters and page 0 are left out. */
export function paramsFromQuery(q: Partial<Filters>): URLSearchParams {
  const p = new URLSearchParams();
  if (q.userId) p.set("user", q.userId);
  if (q.q) p.set("q", q.q);
  if (q.type) p.set("type", q.type);
  if (q.from) p.set("from", q.from);
  if (q.to) p.set("to", q.to);
  if (q.failures) p.set("failures", "1");
  if (q.page && q.page > 0) p.set("page", String(q.page));
  return p;
}

/** A local calendar day as the instant it starts (plus `days`), for the backend's from/to. */
function dayStart(day: string, days = 0): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days).toISOString();
}

function backendFilters(q: Filters) {
  return {
    ...(q.userId ? { user_id: q.userId } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(q.from ? { from: dayStart(q.from) } : {}),
    ...(q.to ? { to: dayStart(q.to, 1) } : {}),
    ...(q.failures ? { success: false } : {}),
  };
}

/** One page of events, newest first, and how many match in all. */
export async function listEvents(q: EventQuery): Promise<{ events: AuthEvent[]; total: number }> {
  const res = ok(
    await backend.GET("/api/v1/admin/events", {
      params: { query: { ...backendFilters(q), limit: q.pageSize, offset: q.page * q.pageSize } },
    }),
  );
  return { events: res.data, total: res.count };
}

/** Every event matching the filters as a CSV file the browser downloads. */
export async function downloadCsv(q: Filters): Promise<void> {
  const res = await backend.GET("/api/v1/admin/events.csv", {
    params: { query: backendFilters(q) },
    parseAs: "blob",
  });
  const blob = ok(res) as Blob;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `gatehouse-audit-log-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
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

const REASONS: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "wrong email or password",
  EMAIL_NOT_VERIFIED: "email not verified yet",
  BANNED_USER: "the account is banned",
  RATE_LIMITED: "too many attempts",
  email_verification: "by verifying the email address",
  INVALID_CODE: "wrong code",
  CODE_ALREADY_USED: "the code was already used",
  INVALID_BACKUP_CODE: "wrong backup code",
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: "too many attempts",
  AUTHENTICATION_FAILED: "the passkey was not accepted",
  PASSKEY_NOT_FOUND: "the passkey is not registered",
  CHALLENGE_NOT_FOUND: "the sign-in took too long",
};

/** The second factor a sign-in or step-up used (`reason` or `details.method`, written by the auth server). */
const FACTORS: Record<string, string> = {
  totp: "an authenticator code",
  backup_code: "a backup code",
  passkey: "a passkey",
};

/** Why a session ended (`details.cause`, written by the auth server), as the end of a sentence. */
const CAUSES: Record<string, string> = {
  user: "signed out from another device",
  password_change: "the password was changed",
  password_reset: "the password was reset",
  ban: "the account was banned",
  delete: "the account was deleted",
  expired: "it expired",
};

/** Field names in `user_updated` details, as words. */
const FIELDS: Record<string, string> = { name: "name", image: "picture", email_verified: "email verified" };

/** A string value of the row's details, or null (older rows have none; values are never trusted to be strings). */
function detail(e: AuthEvent, key: string): string | null {
  const value = e.details?.[key];
  return typeof value === "string" && value !== "" ? value : null;
}

const known = (table: Record<string, string>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** How someone signed in, from `details.method` (or the older `reason`). */
function signInMethod(method: string): string {
  if (method.startsWith("oauth:")) return ` with ${method.slice(6)}`;
  const factor = known(FACTORS, method);
  if (factor) return ` with ${factor}`;
  return method === "email_verification" ? " by verifying the email address" : "";
}

/**
 * One event as a sentence an admin reads at a glance: "Role changed from user to admin by Ada",
 * "Sign-in failed for a@b.io: wrong email or password", "Banned by Ada until 12 Mar 2026, 14:00:
 * spam", "Account deleted by Ada: a@b.io (Ann)". Uses what the row records (type, details, reason,
 * actor); rows written before `details` existed read from `reason`; unknown values are shown as
 * they are rather than guessed at.
 */
export function describeEvent(e: AuthEvent, nameOf: (id: string) => string): string {
  const by = e.actor_id && e.actor_id !== e.user_id ? ` by ${nameOf(e.actor_id)}` : "";
  const reason = e.reason ?? "";
  const from = detail(e, "from");
  const to = detail(e, "to");
  switch (e.type) {
    case "role_changed": {
      const role = to ?? reason.replace(/^role=/, "");
      return `Role changed${from ? ` from ${from}` : ""}${role ? ` to ${role}` : ""}${by}`;
    }
    case "sign_in":
      return `Signed in${signInMethod(detail(e, "method") ?? reason)}`;
    case "sign_in_failed": {
      const email = detail(e, "email");
      const why = reason ? `: ${known(REASONS, reason) ?? reason}` : "";
      return `Sign-in failed${email ? ` for ${email}` : ""}${why}`;
    }
    case "session_revoked": {
      const cause = detail(e, "cause");
      if (cause === "admin" || !cause) return `Session ended${by}`;
      const why = known(CAUSES, cause) ?? cause;
      return cause === "ban" ? `Session ended${by}: ${why}` : `Session ended: ${why}`;
    }
    case "user_banned": {
      const until = detail(e, "expires_at");
      const why = detail(e, "reason");
      return `Banned${by}${until ? ` until ${formatDateTime(until)}` : ""}${why ? `: ${why}` : ""}`;
    }
    case "user_unbanned":
      return `Ban lifted${by}`;
    case "user_created": {
      const how = e.details?.invited === true ? "invited" : e.details?.invited === false ? "with a password" : "";
      const role = detail(e, "role");
      const parts = [how, role && role !== "user" ? `as ${role}` : ""].filter(Boolean).join(", ");
      return `Account created${by}${parts ? ` (${parts})` : ""}`;
    }
    case "user_deleted": {
      const email = detail(e, "email");
      const name = detail(e, "name");
      return `Account deleted${by}${email ? `: ${email}${name ? ` (${name})` : ""}` : ""}`;
    }
    case "email_verified":
      return by ? `Email address marked verified${by}` : "Email verified";
    case "email_change_requested":
      return `Email change requested${from ? ` from ${from}` : ""}${to ? ` to ${to}` : ""}${by}`;
    case "email_changed":
      return `Email changed${from ? ` from ${from}` : ""}${to ? ` to ${to}` : ""}${by}`;
    case "password_changed":
      return by ? `Password set${by}` : "Password changed";
    case "password_reset_requested":
      return by ? `Reset link sent${by}` : "Password reset requested";
    case "user_updated": {
      const listed = Array.isArray(e.details?.fields)
        ? (e.details.fields as unknown[]).filter((f): f is string => typeof f === "string")
        : reason.startsWith("fields=")
          ? reason.slice(7).split(",")
          : [];
      const words = listed.map((f) => known(FIELDS, f) ?? f.replace(/_/g, " "));
      return `Profile changed${by}${words.length ? ` (${words.join(", ")})` : ""}`;
    }
    case "impersonation_started":
      return `Impersonated${by}`;
    case "impersonation_stopped":
      return `Impersonation ended${by}`;
    case "two_factor_enabled":
      return "Two-step sign-in turned on (authenticator app, ten backup codes)";
    case "two_factor_verified": {
      const factor = known(FACTORS, reason);
      return `Second factor accepted${factor ? `: ${factor}` : ""}`;
    }
    case "two_factor_failed":
    case "passkey_failed": {
      const why = reason ? `: ${known(REASONS, reason) ?? reason}` : "";
      return `${eventName(e.type)}${why}`;
    }
    case "second_factor_reset":
      return `Second factors reset${by} (authenticator app, backup codes and passkeys removed)`;
    case "oauth_linked":
      return `Linked ${detail(e, "provider") ?? (reason || "a provider")}`;
    case "oauth_unlinked":
      return `Unlinked ${detail(e, "provider") ?? (reason || "a provider")}`;
    default:
      return `${eventName(e.type)}${by}`;
  }
}
