import { createHash } from "node:crypto";
import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { createAuthEndpoint } from "better-auth/api";
import { z } from "zod";

/**
 * Request header carrying the waiting secret on sign-up and on "send the link again": 32 random
 * bytes, base64url without padding (43 characters), made by the page that waits.
 */
export const WAITER_HEADER = "Gatehouse-Verification-Waiter";
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** `verifications.identifier` prefix; the secret itself is never stored, only its SHA-256. */
const PREFIX = "verification-waiter:";
/** An id no user has (better-auth's are 32 alphanumerics), looked up when nothing is bound. */
const UNBOUND_USER_ID = "verification-waiter-unbound";

export interface VerificationWaiterOptions {
  /** How long a binding answers after it was made or refreshed by a re-send, in seconds (default 1 hour). */
  ttlSeconds?: number;
  /** Status polls allowed per client IP per window (better-auth's limiter; default 30 per 60 s). */
  rateLimit?: { window: number; max: number };
}

/** What the status endpoint answers. */
export type WaiterStatus = "pending" | "verified";

interface Binding {
  userId: string;
  email: string;
}

const identifierOf = (secret: string): string => PREFIX + createHash("sha256").update(secret).digest("hex");
const pathOf = (request: Request): string => {
  try {
    return new URL(request.url).pathname;
  } catch {
    return "";
  }
};

/**
 * "Check your inbox" that moves on when the address is confirmed on another device, without
 * telling anyone which addresses have accounts.
 *
 * The waiting page makes a random secret and sends it (WAITER_HEADER) with its sign-up. Only when
 * that sign-up creates an account, which is exactly when better-auth mails a verification link
 * (an existing address, verified or not, gets the existing-account mail and no link), does
 * `bind` remember SHA-256(secret) → that account in `verifications`. A re-send refreshes a binding
 * its own sign-up made and never makes one, so a re-send cannot learn that an address exists.
 * POST /verification-waiter/status `{secret}` answers `pending` until the bound account's address
 * is verified, then `verified`; an unknown, expired or never-bound secret is `pending`, so the
 * poll after an existing address's sign-up reads exactly like an unverified new account's, forever.
 * The sign-up's own answer is untouched in every case.
 */
export function verificationWaiter(options: VerificationWaiterOptions = {}) {
  const ttlMs = (options.ttlSeconds ?? 3600) * 1000;
  if (!(ttlMs > 0)) throw new Error("verificationWaiter: ttlSeconds must be > 0");
  const limit = options.rateLimit ?? { window: 60, max: 30 };
  let authContext: AuthContext | null = null;
  const adapter = (): AuthContext["internalAdapter"] => {
    // Read at call time: better-auth replaces `internalAdapter` after the plugins' init.
    if (!authContext) throw new Error("verificationWaiter: used before better-auth initialised it");
    return authContext.internalAdapter;
  };
  const bindingOf = async (secret: string): Promise<{ binding: Binding } | null> => {
    const row = await adapter().findVerificationValue(identifierOf(secret));
    if (!row || new Date(row.expiresAt).getTime() <= Date.now()) return null;
    try {
      return { binding: JSON.parse(row.value) as Binding };
    } catch {
      return null;
    }
  };

  return {
    id: "gatehouse-verification-waiter",
    init(ctx: AuthContext) {
      authContext = ctx;
    },
    rateLimit: [{ pathMatcher: (path: string) => path === "/verification-waiter/status", ...limit }],
    endpoints: {
      verificationWaiterStatus: createAuthEndpoint(
        "/verification-waiter/status",
        {
          method: "POST",
          body: z.object({ secret: z.string().regex(SECRET, "a 43-character base64url secret") }).strict(),
        },
        async (ctx) => {
          const found = await bindingOf(ctx.body.secret);
          // The same two lookups whether or not anything is bound, so the time an answer takes
          // does not tell a bound secret (a new account) from an unbound one (an existing address).
          const user = await ctx.context.internalAdapter.findUserById(found?.binding.userId ?? UNBOUND_USER_ID);
          // The address the link went to, verified: a later change of address is not this wait.
          const status: WaiterStatus =
            found && user?.emailVerified && user.email === found.binding.email ? "verified" : "pending";
          ctx.setHeader("Cache-Control", "no-store");
          return ctx.json({ status });
        },
      ),
    },
    /**
     * For `emailVerification.sendVerificationEmail`: a verification link for `user` is being
     * mailed in answer to `request`. Binds the request's waiting secret when the request is the
     * sign-up that created `user`; refreshes a binding to `user` when it is a re-send. Anything
     * else (no or malformed secret, an email change's link, an admin's re-send) binds nothing.
     */
    async bind(request: Request | undefined, user: { id: string; email: string }): Promise<void> {
      const secret = request?.headers.get(WAITER_HEADER);
      if (!request || !secret || !SECRET.test(secret)) return;
      const path = pathOf(request);
      if (path.endsWith("/send-verification-email")) {
        const found = await bindingOf(secret);
        if (!found || found.binding.userId !== user.id || found.binding.email !== user.email) return;
      } else if (!path.endsWith("/sign-up/email")) return;
      // Made on sign-up, renewed by a re-send of its own account's link (replaced, which works the
      // same whether verifications live in the database or in Redis).
      const identifier = identifierOf(secret);
      await adapter().deleteVerificationByIdentifier(identifier);
      await adapter().createVerificationValue({
        identifier,
        value: JSON.stringify({ userId: user.id, email: user.email } satisfies Binding),
        expiresAt: new Date(Date.now() + ttlMs),
      });
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
