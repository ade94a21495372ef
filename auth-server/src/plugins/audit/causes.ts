import type { HookContext } from "../hook-context.js";

/** Why a session was revoked, as the audit trail's `session_revoked` rows say it (`details.cause`). */
export type RevocationCause = "admin" | "user" | "password_change" | "password_reset" | "ban" | "delete" | "expired";

/**
 * Causes announced by the code that deletes a session when the endpoint path alone does not say
 * it (the session rule refusing a banned or over-age session on /get-session; the custom
 * DELETE /api/auth/sessions/:id, which runs outside any better-auth endpoint). Entries live from
 * just before the delete to the audit hook that reads them; the cap only guards against deletes
 * that failed and were never read.
 */
const announced = new Map<string, RevocationCause>();
const MAX_ANNOUNCED = 10_000;

/** Says why session `sessionId` is about to be deleted. */
export function announceRevocation(sessionId: string, cause: RevocationCause): void {
  if (announced.size >= MAX_ANNOUNCED) announced.clear();
  announced.set(sessionId, cause);
}

/** Causes by the path of the endpoint that deleted sessions. */
const BY_PATH: Readonly<Record<string, RevocationCause>> = {
  "/change-password": "password_change",
  "/reset-password": "password_reset",
  "/admin/ban-user": "ban",
  "/internal/admin/ban-user": "ban",
  "/delete-user": "delete",
  "/delete-user/callback": "delete",
  "/admin/remove-user": "delete",
  // better-auth deletes an expired session it is asked about.
  "/get-session": "expired",
};

/**
 * Why a session was deleted: what its deleter announced, else what the endpoint path says, else
 * "admin" when someone other than its owner acted and "user" otherwise.
 */
export function revocationCause(
  session: { id: string; userId: string },
  ctx: Pick<HookContext, "path" | "body"> | null | undefined,
  actorId: string | null,
): RevocationCause {
  const told = announced.get(session.id);
  if (told) {
    announced.delete(session.id);
    return told;
  }
  const path = ctx?.path ?? "";
  const byPath = BY_PATH[path];
  if (byPath) return byPath;
  const data = (ctx?.body as { data?: { banned?: unknown } } | undefined)?.data;
  if (path === "/admin/update-user" && data?.banned === true) return "ban";
  return actorId && actorId !== session.userId ? "admin" : "user";
}
