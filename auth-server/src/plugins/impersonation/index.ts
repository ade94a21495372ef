import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { endpointAdapter, endpointSignedCookie, requestSession } from "../request-session.js";

const MESSAGE =
  "The admin session this impersonation started from is not in this request (it travels in the admin_session " +
  "cookie set by impersonate-user) or has ended. Sign out to end the impersonation.";

/**
 * better-auth's stop-impersonating answers 500 when the request lacks the signed `admin_session`
 * cookie set by impersonate-user (every bearer-token client), when that admin session has ended
 * since, or when the admin account is gone. Each is the caller's state, not a server fault: 400
 * ADMIN_SESSION_NOT_FOUND, decided before better-auth runs. Requests it refuses anyway (no
 * session: 401; not impersonating: 400) are left to it. The session is read with requestSession
 * (cookie or Bearer, as the endpoint will see it).
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
            const current = await requestSession(ctx);
            const adminId = (current?.session as { impersonatedBy?: string | null } | undefined)?.impersonatedBy;
            if (!adminId) return;
            const cookie = ctx.context.createAuthCookie("admin_session");
            const value = await endpointSignedCookie(ctx, cookie.name);
            const adminToken = typeof value === "string" ? value.split(":")[0] : undefined;
            // Looked up as the endpoint will look it up (the session rule's lookups): an admin session that
            // has expired or aged out is refused here, not by better-auth's 500.
            const admin = adminToken ? await (await endpointAdapter(ctx)).findSession(adminToken) : null;
            if (!admin || admin.session.userId !== adminId)
              throw new APIError("BAD_REQUEST", { code: ErrorCode.ADMIN_SESSION_NOT_FOUND, message: MESSAGE });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
