import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf, errorOf } from "../hook-context.js";
import type { LockoutStore } from "./store.js";

export { DEFAULT_LOCKOUT, type LockoutPolicy, LockoutStore, lockoutDelaySeconds } from "./store.js";

/** Longest email the lockout tracks; longer input is not an address (RFC 5321 §4.5.3.1). */
const MAX_EMAIL = 320;

const emailOf = (ctx: { body?: unknown }): string | null => {
  const email = bodyOf(ctx).email;
  return typeof email === "string" && email.length <= MAX_EMAIL ? email : null;
};

/**
 * Per-account sign-in lockout as a better-auth plugin: a throttled account is refused before the
 * password is hashed (429 RATE_LIMITED with Retry-After), a wrong password counts one failure,
 * and a success or a password reset (`resetCompleted`) ends the streak. The counter lives in the
 * database (store.ts), so every instance sees the same one.
 */
export function signInLockout(store: LockoutStore) {
  const isSignIn = (ctx: { path?: string }) => ctx.path === "/sign-in/email";
  return {
    id: "gatehouse-lockout",
    $ERROR_CODES: {
      RATE_LIMITED: { code: ErrorCode.RATE_LIMITED, message: "Too many failed sign-ins for this account." },
    },
    hooks: {
      before: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx);
            if (!email) return;
            const wait = await store.retryAfter(email);
            if (wait > 0) {
              throw new APIError(
                "TOO_MANY_REQUESTS",
                {
                  code: ErrorCode.RATE_LIMITED,
                  message: `Too many failed sign-ins for this account. Try again in ${wait} seconds.`,
                },
                { "Retry-After": String(wait) },
              );
            }
          }),
        },
      ],
      after: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx);
            if (!email) return;
            const err = errorOf(ctx.context.returned);
            if (!err) await store.clear(email);
            else if (err.status === 401) await store.recordFailure(email);
          }),
        },
      ],
    },
    /** For `emailAndPassword.onPasswordReset`: a reset proves the owner, so the streak ends. */
    async resetCompleted(email: string): Promise<void> {
      await store.clear(email);
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
