import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import type { HookContext } from "../hook-context.js";

const MESSAGE =
  "The admin session this impersonation started from is not in this request (it travels in the admin_session " +
  "cookie set by impersonate-user) or has ended. Sign out to end the impersonation.";

/**
 * The session token a request presents: the signed session cookie, else the bearer token (with or
 * without the signature bearer() accepts). Only used to look a session up, never to grant one.
 */
async function presentedToken(ctx: HookContext): Promise<string | null> {
  const cookie = await ctx.getSignedCookie(ctx.context.authCookies.sessionToken.name, ctx.context.secret);
  if (typeof cookie === "string" && cookie) return cookie;
  const bearer = /^Bearer (.+)$/i.exec(ctx.headers?.get("authorization") ?? "")?.[1];
  return bearer ? decodeURIComponent(bearer).split(".")[0] || null : null;
}

/**
 * better-auth's stop-impersonating answers 500 when the request lacks the signed `admin_session`
 * cookie set by impersonate-user (every bearer-token client), when that admin session has ended
 * since, or when the admin account is gone. Each is the caller's state, not a server fault: 400
 * ADMIN_SESSION_NOT_FOUND, decided before better-auth runs. Requests it refuses anyway (no
 * session: 401; not impersonating: 400) are left to it. The session is looked up here rather than
 * with getSessionFromCtx because bearer()'s header rewrite reaches the endpoint, not other hooks.
 */
export function impersonationGuard() {
  return {
    id: "gatehouse-impersonation-guard",
    $ERROR_CODES: { ADMIN_SESSION_NOT_FOUND: { code: ErrorCode.ADMIN_SESSION_NOT_FOUND, message: MESSAGE } },
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/admin/stop-impersonating",
          handler: createAuthMiddleware(async (ctx) => {
            const token = await presentedToken(ctx);
            const current = token ? await ctx.context.internalAdapter.findSession(token) : null;
            const adminId = (current?.session as { impersonatedBy?: string | null } | undefined)?.impersonatedBy;
            if (!adminId) return;
            const cookie = ctx.context.createAuthCookie("admin_session");
            const value = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
            const adminToken = typeof value === "string" ? value.split(":")[0] : undefined;
            const admin = adminToken ? await ctx.context.internalAdapter.findSession(adminToken) : null;
            if (!admin || admin.session.userId !== adminId)
              throw new APIError("BAD_REQUEST", { code: ErrorCode.ADMIN_SESSION_NOT_FOUND, message: MESSAGE });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
