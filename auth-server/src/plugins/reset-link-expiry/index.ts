import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf, type HookContext } from "../hook-context.js";

const MESSAGE = "This password reset link has expired. Request a new one.";

/** better-auth's reset tokens are 24 characters; anything far longer is not worth a lookup. */
const MAX_TOKEN = 256;

/** better-auth's identifier of a reset link's verification value. */
const identifierOf = (token: string): string => `reset-password:${token}`;

/** The endpoints that take a reset token: the form's POST and the mailed link's GET. */
const TOKEN_PATHS = new Set(["/reset-password", "/reset-password/:token"]);

function tokenOf(ctx: HookContext): string | null {
  const token = ctx.params?.token ?? bodyOf(ctx).token ?? ctx.query?.token;
  return typeof token === "string" && token.length > 0 && token.length <= MAX_TOKEN ? token : null;
}

const time = (value: unknown): number => (value ? new Date(value as string | Date).getTime() : Number.NaN);

/**
 * True when the user's password was set at or after the link was issued. Every way of setting it
 * (reset, change-password, admin set-user-password, set-password) writes the credential account,
 * whose `updatedAt` better-auth moves on every update; an account created after the link (a first
 * password) counts by its `createdAt`.
 */
async function supersededByPasswordChange(ctx: HookContext, userId: string, issuedAt: number): Promise<boolean> {
  const account = await ctx.context.internalAdapter.findCredentialAccount(userId);
  if (!account) return false;
  const changedAt = Math.max(time(account.updatedAt), time(account.createdAt));
  return Number.isFinite(issuedAt) && changedAt >= issuedAt;
}

/**
 * The life of a password reset link, as a better-auth plugin, for both endpoints that take one:
 *
 * - Once the user's password is reset or changed, by any path, every link issued before that is
 *   dead: it is deleted here before better-auth looks it up, so better-auth answers as for any
 *   used link (400 INVALID_TOKEN on the form, a redirect with `error=INVALID_TOKEN` from the mailed
 *   link) and revokes nothing. Judged per link against the credential's last change, so it holds
 *   wherever better-auth keeps the link (database or Redis) without tracking a user's links.
 * - better-auth answers INVALID_TOKEN for an expired link as for a made-up one. People deserve to
 *   know the link merely timed out, so a live link that has expired gets 400 TOKEN_EXPIRED on the
 *   form (the backend's code for the same condition); unknown and used links keep INVALID_TOKEN.
 */
export function resetLinkExpiry() {
  return {
    id: "gatehouse-reset-link-expiry",
    $ERROR_CODES: { TOKEN_EXPIRED: { code: ErrorCode.TOKEN_EXPIRED, message: MESSAGE } },
    hooks: {
      before: [
        {
          matcher: (ctx) => TOKEN_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const token = tokenOf(ctx);
            if (!token) return;
            const adapter = ctx.context.internalAdapter;
            const row = await adapter.findVerificationValue(identifierOf(token));
            if (!row) return;
            if (await supersededByPasswordChange(ctx, String(row.value), time(row.createdAt))) {
              await adapter.deleteVerificationByIdentifier(identifierOf(token));
              return;
            }
            if (ctx.path === "/reset-password" && new Date(row.expiresAt) < new Date())
              throw new APIError("BAD_REQUEST", { code: ErrorCode.TOKEN_EXPIRED, message: MESSAGE });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
