import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf, errorOf, type HookContext } from "../hook-context.js";

/** What an endpoint's body names: a user by id, or a session by its token. */
type Target = { kind: "user"; field: string } | { kind: "session"; field: string; own: boolean };

/**
 * better-auth endpoints that answer 200 for a user or session that does not exist (nothing
 * done, nothing said). Every other admin endpoint, the backend and the internal admin API answer
 * 404 USER_NOT_FOUND / SESSION_NOT_FOUND there; these do too. `own`: the caller's own sessions
 * only — another user's token is "no such session" as well, so the answer tells nobody whether
 * a token exists.
 */
export const TARGETS: Readonly<Record<string, Target>> = {
  "/admin/revoke-user-session": { kind: "session", field: "sessionToken", own: false },
  "/admin/revoke-user-sessions": { kind: "user", field: "userId" },
  "/admin/list-user-sessions": { kind: "user", field: "userId" },
  "/revoke-session": { kind: "session", field: "token", own: true },
};

/** A session's owner, or null when no session has this token. */
async function sessionOwner(ctx: HookContext, token: string): Promise<string | null> {
  const found = await ctx.context.internalAdapter.findSession(token);
  return found?.session.userId ?? null;
}

/**
 * 404 for an unknown user or session on the endpoints in TARGETS. The target is looked up before
 * the endpoint (a revocation removes it), and the 404 is given after it, only to a caller the
 * endpoint let through: an unauthenticated or non-admin caller still gets 401/403 and learns
 * nothing about which ids or tokens exist.
 */
export function unknownTargets() {
  /**
   * Per call, keyed by its Request (the one object its before and after hooks both see): whether
   * the target was missing, and a session's owner.
   */
  const looked = new WeakMap<object, { missing: boolean; owner: string | null }>();
  return {
    id: "gatehouse-unknown-targets",
    hooks: {
      before: [
        {
          matcher: (ctx) => Object.hasOwn(TARGETS, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const target = TARGETS[ctx.path] as Target;
            const id = bodyOf(ctx)[target.field];
            // A missing or mistyped field is the endpoint's own 400; a call from server code
            // (no request) answers as better-auth does.
            if (typeof id !== "string" || id === "" || !ctx.request) return;
            if (target.kind === "user") {
              const user = await ctx.context.internalAdapter.findUserById(id);
              looked.set(ctx.request, { missing: !user, owner: user?.id ?? null });
            } else {
              const owner = await sessionOwner(ctx, id);
              looked.set(ctx.request, { missing: owner === null, owner });
            }
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => Object.hasOwn(TARGETS, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const seen = ctx.request ? looked.get(ctx.request) : undefined;
            if (ctx.request) looked.delete(ctx.request);
            if (!seen || errorOf(ctx.context.returned)) return;
            const target = TARGETS[ctx.path] as Target;
            const caller = ctx.context.session?.user.id;
            const notOwn = target.kind === "session" && target.own && seen.owner !== caller;
            if (!seen.missing && !notOwn) return;
            throw target.kind === "user"
              ? new APIError("NOT_FOUND", { code: ErrorCode.USER_NOT_FOUND, message: "No such user." })
              : new APIError("NOT_FOUND", { code: ErrorCode.SESSION_NOT_FOUND, message: "No such session." });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
