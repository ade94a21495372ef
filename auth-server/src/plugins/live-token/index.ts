import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { errorOf } from "../hook-context.js";

/**
 * The `token` an endpoint answers with is always a live session's.
 *
 * Some better-auth endpoints replace the session that made the request: two-factor
 * `verify-totp` confirming an enrolment creates a new session, sets it as the cookie (and
 * bearer's `set-auth-token` header) and deletes the old one, then answers `{token, user}` with the
 * token of the session it just deleted. A Bearer client that reads the body (as better-auth's own
 * sign-in answers teach it to) would keep a dead token and be signed out on its next request.
 *
 * Choice: the body's `token` becomes the new session's (rather than being dropped), so the body
 * and `set-auth-token` name the same live session, as they do after a sign-in; clients that ignore
 * one of them are right either way. The rule is generic (every endpoint, present and future, that
 * replaces the request's session and names it in its answer) and narrow: a body token is swapped
 * only when it is the request's own session's, that session no longer exists, and this request
 * created another. A step-up that keeps its session, or a body token of another kind (the JWT
 * /token answers with), is left as it is. The body's `user`, read with the old session, is
 * refreshed from the new one (the fields it already shows, no others).
 */
export function liveToken() {
  return {
    id: "gatehouse-live-token",
    hooks: {
      after: [
        {
          // get-session never creates a session, and a hook matching it would keep the fast
          // get-session (routes/fast-session) off.
          matcher: (ctx: { path?: string }) => ctx.path !== "/get-session",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (errorOf(returned) || !returned || typeof returned !== "object" || returned instanceof Response) return;
            const body = returned as Record<string, unknown>;
            const fresh = ctx.context.newSession?.session.token;
            const own = ctx.context.session?.session.token;
            // Only the request's own session, replaced: a body token of another kind (the JWT of
            // /token, which may answer while the session cookie is refreshed) is never touched.
            if (typeof body.token !== "string" || !fresh || body.token === fresh || body.token !== own) return;
            if (await ctx.context.internalAdapter.findSession(body.token)) return;
            return ctx.json({ ...body, token: fresh, ...userOf(body.user, ctx.context.newSession?.user) });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/** `{user}` with the fields `shown` already has, read from the new session's user (same id only). */
function userOf(shown: unknown, current: Record<string, unknown> | undefined): { user?: Record<string, unknown> } {
  if (!shown || typeof shown !== "object" || !current) return {};
  const before = shown as Record<string, unknown>;
  if (before.id !== current.id) return {};
  return { user: Object.fromEntries(Object.keys(before).map((k) => [k, k in current ? current[k] : before[k]])) };
}
