import { tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import type { PasswordHasher } from "../../password.js";
import { durationInWords } from "../../wording.js";
import { bodyOf, errorOf } from "../hook-context.js";
import { challengeOf } from "../mfa/challenge.js";
import { SECOND_FACTOR_PATHS } from "../mfa/session-methods.js";
import type { LockoutStore } from "./store.js";

export {
  DEFAULT_LOCKOUT,
  type LockoutPolicy,
  LockoutStore,
  lockoutDelaySeconds,
  type Reservation,
} from "./store.js";

/** Longest email the lockout tracks; longer input is not an address (RFC 5321 §4.5.3.1). */
const MAX_EMAIL = 320;

/** The endpoint that answers an unknown email with a dummy hash, which counts as an attempt too. */
const SIGN_IN = "/sign-in/email";

/** Answers that can only come after the password was checked and found right. */
const RIGHT_PASSWORD = new Set(["EMAIL_NOT_VERIFIED", ErrorCode.BANNED_USER]);
/** Answers to a wrong password (sign-in, and endpoints that re-check the current one). */
const WRONG_PASSWORD = new Set([ErrorCode.INVALID_EMAIL_OR_PASSWORD, "INVALID_PASSWORD"]);

/** What a throttled attempt was trying: a password, or a sign-in's second-factor code. */
type Guess = "password" | "code";

/** The refusal's first sentence per step, so a person is told what was wrong. */
const LOCKED_OUT: Record<Guess, string> = {
  password: "Too many failed password attempts for this account.",
  code: "Too many wrong verification codes for this account.",
};

type EndpointContext = NonNullable<ReturnType<typeof tryGetCurrentAuthEndpointContext>>;

/**
 * Whose password an endpoint is checking: the email a sign-in names, or the signed-in user's
 * (change-password, delete-user and any other endpoint that re-checks the current password).
 */
function accountOf(ctx: EndpointContext): string | null {
  if (ctx.path === SIGN_IN) {
    const email = bodyOf(ctx).email;
    return typeof email === "string" && email.length <= MAX_EMAIL ? email.toLowerCase() : null;
  }
  const session = (ctx.context as { session?: { user?: { email?: unknown } } | null }).session;
  return typeof session?.user?.email === "string" ? session.user.email.toLowerCase() : null;
}

/**
 * Per-account lockout of password guessing as a better-auth plugin, for every endpoint that checks
 * a password. The attempt is reserved in the database *before* the hash runs (`guard` wraps the
 * password hasher, so whatever endpoint verifies a password goes through it), atomically, so a
 * burst of parallel guesses cannot all pass a "not throttled yet" check: while throttled, an
 * attempt is refused with 429 RATE_LIMITED and Retry-After without hashing anything. An unknown
 * email is throttled alike (its dummy hash reserves too), so the lockout reveals no accounts.
 *
 * After the endpoint answers (after hook): a right password (success, or a refusal that only comes
 * after one, e.g. EMAIL_NOT_VERIFIED) ends the streak; a wrong one stays counted, its delay running
 * from the answer; any other answer
 * (the password was never compared) gives the reservation back. The counter lives in the database
 * (store.ts), so every instance sees the same one.
 */
export function signInLockout(store: LockoutStore) {
  /**
   * Endpoint calls whose attempt is reserved, with the account, keyed by the call's auth context:
   * the one object the hasher (inside the endpoint) and the after hook both see.
   */
  const reserved = new WeakMap<object, string>();

  async function reserve(): Promise<void> {
    const ctx = tryGetCurrentAuthEndpointContext();
    // Outside an endpoint (server-side code, tools) nobody is guessing.
    if (!ctx || reserved.has(ctx.context)) return;
    const account = accountOf(ctx);
    if (!account) return;
    await reserveFor(ctx.context, account);
  }

  /**
   * Reserves an attempt for `account`, or refuses it; the refusal names what was being tried: the
   * password, or in a sign-in's second step the code (the streak is one, the wording follows the step).
   */
  async function reserveFor(key: object, account: string, what: Guess = "password"): Promise<void> {
    const reservation = await store.reserve(account);
    if (!reservation.granted) {
      const wait = reservation.retryAfterSeconds;
      throw new APIError(
        "TOO_MANY_REQUESTS",
        {
          code: ErrorCode.RATE_LIMITED,
          message: `${LOCKED_OUT[what]} Try again in ${durationInWords(wait)}.`,
        },
        { "Retry-After": String(wait) },
      );
    }
    reserved.set(key, account);
  }

  return {
    id: "gatehouse-lockout",
    $ERROR_CODES: {
      RATE_LIMITED: { code: ErrorCode.RATE_LIMITED, message: "Too many failed sign-in attempts for this account." },
    },
    hooks: {
      before: [
        {
          // The code step of a two-factor sign-in is part of the same sign-in: a TOTP or backup
          // code is reserved like a password (a throttled account cannot try codes either).
          matcher: (ctx: { path?: string }) => SECOND_FACTOR_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const who = await challengeOf(ctx);
            if (who?.signIn && !reserved.has(ctx.context))
              await reserveFor(ctx.context, who.email.toLowerCase(), "code");
          }),
        },
      ],
      after: [
        {
          // Every endpoint that may check a password; get-session never does, and a hook matching
          // it would keep the fast get-session (routes/fast-session) off.
          matcher: (ctx: { path?: string }) => ctx.path !== "/get-session",
          handler: createAuthMiddleware(async (ctx) => {
            const account = reserved.get(ctx.context);
            if (account === undefined) return;
            reserved.delete(ctx.context);
            const err = errorOf(ctx.context.returned);
            // A right password that leads to a two-factor challenge is not a finished sign-in: the
            // streak goes on until a code is accepted.
            if (!err && bodyOf({ body: ctx.context.returned }).twoFactorRedirect) await store.release(account);
            else if (!err || RIGHT_PASSWORD.has(err.code)) await store.clear(account);
            else if (SECOND_FACTOR_PATHS.has(ctx.path ?? "") && err.status === 401) await store.confirmFailure(account);
            else if (WRONG_PASSWORD.has(err.code)) await store.confirmFailure(account);
            else await store.release(account);
          }),
        },
      ],
    },
    /**
     * Wraps better-auth's password hasher: every verification, and the dummy hash a sign-in runs
     * for an unknown email, first reserves its attempt (or is refused) for the account concerned.
     */
    guard(hasher: PasswordHasher): PasswordHasher {
      return {
        async hash(password) {
          if (tryGetCurrentAuthEndpointContext()?.path === SIGN_IN) await reserve();
          return hasher.hash(password);
        },
        async verify(data) {
          await reserve();
          return hasher.verify(data);
        },
      };
    },
    /** For `emailAndPassword.onPasswordReset`: a reset proves the owner, so the streak ends. */
    async resetCompleted(email: string): Promise<void> {
      await store.clear(email);
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
