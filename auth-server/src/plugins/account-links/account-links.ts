import type { BetterAuthPlugin } from "better-auth";
import { createAuthEndpoint, createAuthMiddleware } from "better-auth/api";
import { generateRandomString } from "better-auth/crypto";
import { z } from "zod";
import { inviteMail, type Mailer } from "../../email/index.js";

export interface AccountLinksOptions {
  mailer: Mailer;
  /** The web app (FRONTEND_URL): the pages links land on. */
  frontendUrl: string;
  /** How long an invitation link works, in seconds (default 7 days). */
  inviteExpiresInSeconds?: number;
}

const trim = (url: string): string => url.replace(/\/$/, "");

/** What GET /password-link says about a reset or invitation token, without using it. */
export type PasswordLinkStatus = "valid" | "expired" | "invalid";

type Ctx = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];
const bodyOf = (ctx: Ctx): Record<string, unknown> =>
  (ctx.body && typeof ctx.body === "object" ? ctx.body : {}) as Record<string, unknown>;

/**
 * Gatehouse's password links, around better-auth's own reset flow:
 * - GET /password-link?token= checks a link when its page opens (used, expired or unknown), so
 *   nobody types a new password twice for a dead link; it reads, never consumes, and a token has
 *   ~143 random bits, so the answer helps no guesser;
 * - an admin's create-user without a password is an invitation: a set-password link mail;
 * - completing a reset (or an invitation) marks the address verified — the link was delivered there.
 */
export function accountLinks(options: AccountLinksOptions) {
  const inviteTtl = options.inviteExpiresInSeconds ?? 7 * 24 * 3600;
  if (!Number.isInteger(inviteTtl) || inviteTtl < 3600)
    throw new Error("accountLinks: inviteExpiresInSeconds must be ≥ 3600");
  const frontend = trim(options.frontendUrl);
  // Reset requests in flight: token → user id, read before better-auth consumes the token.
  const resetting = new Map<string, string>();

  return {
    id: "gatehouse-account-links",
    endpoints: {
      passwordLinkStatus: createAuthEndpoint(
        "/password-link",
        { method: "GET", query: z.object({ token: z.string().min(1).max(256) }) },
        async (ctx) => {
          const row = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${ctx.query.token}`);
          const status: PasswordLinkStatus = !row
            ? "invalid"
            : new Date(row.expiresAt) < new Date()
              ? "expired"
              : "valid";
          return ctx.json({ status });
        },
      ),
    },
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/reset-password",
          handler: createAuthMiddleware(async (ctx) => {
            const token = bodyOf(ctx).token ?? ctx.query?.token;
            if (typeof token !== "string" || !token || token.length > 256) return;
            const row = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
            if (row && new Date(row.expiresAt) > new Date()) resetting.set(token, row.value);
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === "/reset-password",
          handler: createAuthMiddleware(async (ctx) => {
            const token = bodyOf(ctx).token ?? ctx.query?.token;
            const userId = typeof token === "string" ? resetting.get(token) : undefined;
            if (typeof token === "string") resetting.delete(token);
            if (!userId || ctx.context.returned instanceof Error) return;
            const user = await ctx.context.internalAdapter.findUserById(userId);
            if (user && !user.emailVerified)
              await ctx.context.internalAdapter.updateUser(userId, { emailVerified: true });
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/admin/create-user",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned as { user?: { id: string; email: string; name: string } } | Error;
            if (returned instanceof Error || !returned?.user || bodyOf(ctx).password) return;
            const { user } = returned;
            // The same shape as better-auth's own reset tokens (24 characters from 62, ~143 bits).
            const token = generateRandomString(24, "a-z", "A-Z", "0-9");
            await ctx.context.internalAdapter.createVerificationValue({
              identifier: `reset-password:${token}`,
              value: user.id,
              expiresAt: new Date(Date.now() + inviteTtl * 1000),
            });
            const admin = ctx.context.session?.user;
            const by = admin ? admin.name || admin.email : "An administrator";
            await options.mailer.send(
              inviteMail(user.email, user.name, by, `${frontend}/accept-invite?token=${token}`, inviteTtl),
            );
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
