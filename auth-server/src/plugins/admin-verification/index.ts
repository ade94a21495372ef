import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, sendVerificationEmailFn, sessionMiddleware } from "better-auth/api";
import * as z from "zod";
import { ErrorCode } from "../../contract.gen.js";
import type { HookContext } from "../hook-context.js";
import { requireAdminSession } from "../roles/require-admin.js";

/**
 * POST /admin/send-verification-email {userId} → {status: true}: an admin sends a user's
 * verification link again. better-auth's own /send-verification-email cannot serve an admin: with a
 * session it only mails the session's own address (EMAIL_MISMATCH otherwise), and without one the
 * row in the audit log could not name who asked. Here the link is mailed by better-auth's
 * `sendVerificationEmailFn` (same token, mail and expiry as the user's own request), and the audit
 * plugin records `verification_email_sent` with the admin as actor (plugins/audit, mailed-links.ts).
 *
 * Errors: 401 UNAUTHORIZED, 403 FORBIDDEN (not an admin; MFA_REQUIRED with ADMIN_REQUIRE_MFA),
 * 404 USER_NOT_FOUND, 400 EMAIL_ALREADY_VERIFIED (better-auth's code for the same refusal).
 */
export function adminVerification() {
  return {
    id: "gatehouse-admin-verification",
    endpoints: {
      adminSendVerificationEmail: createAuthEndpoint(
        "/admin/send-verification-email",
        {
          method: "POST",
          use: [sessionMiddleware],
          body: z.object({ userId: z.string().min(1).max(255) }).strict(),
        },
        async (ctx) => {
          await requireAdminSession(ctx as unknown as HookContext);
          const user = await ctx.context.internalAdapter.findUserById(ctx.body.userId);
          if (!user) throw new APIError("NOT_FOUND", { code: ErrorCode.USER_NOT_FOUND, message: "No such user." });
          if (user.emailVerified) {
            throw new APIError("BAD_REQUEST", {
              code: "EMAIL_ALREADY_VERIFIED",
              message: "This email address is already verified.",
            });
          }
          await sendVerificationEmailFn(ctx, user);
          return ctx.json({ status: true });
        },
      ),
    },
  } satisfies BetterAuthPlugin;
}
