import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf } from "../hook-context.js";

const MESSAGE = "This password reset link has expired. Request a new one.";

/** better-auth's reset tokens are 24 characters; anything far longer is not worth a lookup. */
const MAX_TOKEN = 256;

/**
 * better-auth answers INVALID_TOKEN for an expired reset link as for a made-up one. People deserve
 * to know the link merely timed out, so a token that exists but has expired gets 400
 * TOKEN_EXPIRED (the same code the backend uses for the same condition); unknown and used tokens
 * keep INVALID_TOKEN.
 */
export function resetLinkExpiry() {
  return {
    id: "gatehouse-reset-link-expiry",
    $ERROR_CODES: { TOKEN_EXPIRED: { code: ErrorCode.TOKEN_EXPIRED, message: MESSAGE } },
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/reset-password",
          handler: createAuthMiddleware(async (ctx) => {
            const token = bodyOf(ctx).token ?? ctx.query?.token;
            if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN) return;
            const row = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
            if (row && new Date(row.expiresAt) < new Date())
              throw new APIError("BAD_REQUEST", { code: ErrorCode.TOKEN_EXPIRED, message: MESSAGE });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
