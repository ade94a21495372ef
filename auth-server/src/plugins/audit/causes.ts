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

type SessionContext = {
  request?: Request;
  context?: { session?: { session: { id: string } } | null };
} | null;

/**
 * Sessions created during a request, by request. Keyed by the Request, the one object every hook
 * of a call sees: the database hooks of a call may be handed an earlier copy of its auth context,
 * one without the `newSession` the endpoint set (so it cannot tell what the request created).
 */
const createdBy = new WeakMap<Request, { id: string; userId: string }[]>();

/** For the session create hook: `session` was created by the request behind `ctx`. */
export function noteCreated(session: { id: string; userId: string }, ctx: SessionContext | undefined): void {
  const request = ctx?.request;
  if (!request) return;
  const list = createdBy.get(request) ?? [];
  list.push({ id: session.id, userId: session.userId });
  createdBy.set(request, list);
}

/**
 * Whether deleting `session` is a hand-over inside one request rather than a revocation anyone
 * should read about ("signed out from another device"):
 * - the request created it and deletes it before answering: better-auth's two-factor plugin signs
 *   the password step in, then deletes that session for the code step's challenge (its cookie is
 *   expired in the same answer). No client ever held its token, so nobody was signed out.
 * - it is the request's own session, replaced in the same request by a new one of the same user
 *   (two-factor enrolment confirmed, two-factor disabled): the client holds the successor.
 * The revocation feed still gets a row for it (the database trigger on user_sessions writes one
 * for every deleted row, whatever this says): the replaced session was live and backends that
 * cached its token must drop it; for the half-session a row about a token nobody holds costs
 * nothing, and a hook that skipped the feed on a guess would be the one place a live token
 * could outlive its session.
 */
export function isHandOver(session: { id: string; userId: string }, ctx: SessionContext | undefined): boolean {
  const created = (ctx?.request && createdBy.get(ctx.request)) || [];
  if (created.some((c) => c.id === session.id)) return true;
  const own = ctx?.context?.session?.session.id === session.id;
  return own && created.some((c) => c.userId === session.userId);
}

/**
 * Whether the request `request` created another session of `session`'s user: by the time the
 * request answers, its own deleted session was then handed over, even when better-auth deleted it
 * before creating the successor (change-password with revokeOtherSessions deletes every session
 * of the user first, the request's own included, then signs it in again).
 */
export function isReplacedBy(session: { id: string; userId: string }, request: Request): boolean {
  return (createdBy.get(request) ?? []).some((c) => c.userId === session.userId && c.id !== session.id);
}
