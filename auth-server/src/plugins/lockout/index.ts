import { tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import type { PasswordHasher } from "../../password.js";
import { durationInWords } from "../../wording.gen.js";
import { bodyOf, callKey, errorOf, type HookContext } from "../hook-context.js";
import { BETTER_AUTH_LOCKED, challengeOf, TWO_FACTOR_COOKIE } from "../mfa/challenge.js";
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

/**
 * The counter of an account's second-factor step. Its own streak, apart from the password's: a
 * locked code step must neither refuse a password unchecked (which would tell the person who knows
 * it that the password is wrong or locked) nor be restarted by a right password's attempt. The
 * key cannot be an address (no email contains a space), so the two never share a row.
 */
export function codeStepKey(email: string): string {
  return `code-step ${email.toLowerCase()}`;
}

/** The refusal of a locked step, with Retry-After (RFC 9110 §10.2.3) in seconds. */
function lockedOut(what: Guess, wait: number): APIError {
  return new APIError(
    "TOO_MANY_REQUESTS",
    { code: ErrorCode.RATE_LIMITED, message: `${LOCKED_OUT[what]} Try again in ${durationInWords(wait)}.` },
    { "Retry-After": String(wait) },
  );
}

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
 * Per-account lockout of password and second-factor guessing as a better-auth plugin, for every
 * endpoint that checks a password and for every second-factor code (a sign-in's or a step-up's).
 * The attempt is reserved in the database *before* the hash runs (`guard` wraps the password
 * hasher, so whatever endpoint verifies a password goes through it), atomically, so a burst of
 * parallel guesses cannot all pass a "not throttled yet" check: while throttled, an attempt is
 * refused with 429 RATE_LIMITED and Retry-After without hashing anything. An unknown email is throttled alike (its dummy hash
 * reserves too), so the lockout reveals no accounts.
 *
 * After the endpoint answers (after hook): a right password (success, or a refusal that only comes
 * after one, e.g. EMAIL_NOT_VERIFIED) ends the streak; a wrong one stays counted, its delay running
 * from the answer; any other answer (the password was never compared) gives the reservation back.
 * The counter lives in the database (store.ts), so every instance sees the same one.
 *
 * Codes count in a streak of their own (`codeStepKey`), ended only by an accepted code or a
 * password reset. A right password while that streak is locked is answered 429 naming the code
 * step, with its Retry-After, and no challenge: only someone who knows the password learns it,
 * and a wrong password is answered as on any account.
 */
export function signInLockout(store: LockoutStore) {
  /**
   * Endpoint calls whose attempt is reserved, with the counter's key, keyed by the call's auth
   * context: the one object the hasher (inside the endpoint) and the after hook both see.
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

  /** Reserves an attempt on the counter `key`, or refuses it naming what was being tried. */
  async function reserveFor(call: object, key: string, what: Guess = "password"): Promise<void> {
    const reservation = await store.reserve(key);
    if (!reservation.granted) throw lockedOut(what, reservation.retryAfterSeconds);
    reserved.set(call, key);
  }

  /**
   * The code step's admission, for the second-factor plugin to call before it claims a code: a
   * code refused here was never tried, so it must not be spent (plugins/mfa claims after this).
   * Reserves on the account's code-step counter, or throws 429: for a sign-in's challenge and for
   * a signed-in user's verification (step-up, enrolment) alike, since an accepted step-up code
   * gives the session `mfa` as a sign-in's does (better-auth counts only a sign-in's failures).
   */
  async function admitCode(ctx: HookContext): Promise<void> {
    const call = await callKey(ctx);
    if (reserved.has(call)) return;
    const who = await challengeOf(ctx);
    if (!who) return;
    // better-auth's own lock refuses inside the endpoint: refused here first, unreserved, so an
    // attempt under it neither spends a code nor re-arms the code step's counter.
    const wait = await twoFactorLockOfUser(ctx.context, who.userId);
    if (wait > 0) throw lockedOut("code", wait);
    await reserveFor(call, codeStepKey(who.email), "code");
  }

  /** Gives back a code step's reservation when the code was refused before it was checked (a replay). */
  async function withdrawCode(ctx: HookContext): Promise<void> {
    const call = await callKey(ctx);
    const key = reserved.get(call);
    if (key === undefined) return;
    reserved.delete(call);
    await store.release(key);
  }

  /**
   * Seconds until better-auth two-factor's own account lock (`accountLockout`: 10 failed codes lock
   * the code step for 15 minutes, `two_factors.locked_until`) lets `email`'s codes be tried, or 0.
   * It refuses codes inside the endpoint, so the password step must look at it too.
   */
  async function twoFactorLockOf(ctx: HookContext, email: string): Promise<number> {
    const found = await ctx.context.internalAdapter.findUserByEmail(email);
    return found ? twoFactorLockOfUser(ctx.context, found.user.id) : 0;
  }

  /** `twoFactorLockOf` by user id. */
  async function twoFactorLockOfUser(auth: Pick<AuthContext, "adapter">, userId: string): Promise<number> {
    const row = (await auth.adapter.findOne({
      model: "twoFactor",
      where: [{ field: "userId", value: userId }],
    })) as { lockedUntil?: Date | string | null } | null;
    const until = row?.lockedUntil ? new Date(row.lockedUntil).getTime() : 0;
    return until > Date.now() ? Math.ceil((until - Date.now()) / 1000) : 0;
  }

  /** The auth context, for work outside a hook (`resetCompleted`). */
  let authContext: AuthContext | undefined;

  /**
   * The password was right and better-auth answered with a two-factor challenge, but the code step
   * is locked: the challenge is taken back (its rows deleted, its cookie not sent) and the answer is
   * the code step's 429, so no client is handed a challenge it cannot use.
   */
  async function refuseLockedChallenge(ctx: HookContext, wait: number): Promise<never> {
    const cookie = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE);
    const headers = ctx.context.responseHeaders;
    const lines = headers?.getSetCookie() ?? [];
    headers?.delete("set-cookie");
    for (const line of lines) {
      if (!line.startsWith(`${cookie.name}=`)) {
        headers?.append("set-cookie", line);
        continue;
      }
      // A signed cookie's value is `<identifier>.<signature>`, URI-encoded (better-call).
      const value = decodeURIComponent(line.slice(cookie.name.length + 1).split(";")[0] ?? "");
      const identifier = value.slice(0, value.lastIndexOf("."));
      if (identifier) {
        await ctx.context.internalAdapter.deleteVerificationByIdentifier(identifier);
        await ctx.context.internalAdapter.deleteVerificationByIdentifier(`2fa-attempts-${identifier}`);
      }
    }
    throw lockedOut("code", wait);
  }

  return {
    id: "gatehouse-lockout",
    $ERROR_CODES: {
      RATE_LIMITED: { code: ErrorCode.RATE_LIMITED, message: "Too many failed sign-in attempts for this account." },
    },
    hooks: {
      before: [
        {
          // The code step (a two-factor sign-in, or a signed-in user's step-up or enrolment): a TOTP
          // or backup code is reserved like a password, on the account's code-step counter.
          // plugins/mfa admits its codes itself before claiming one; this hook covers any
          // second-factor endpoint that does not.
          matcher: (ctx: { path?: string }) => SECOND_FACTOR_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(admitCode),
        },
      ],
      after: [
        {
          // Every endpoint that may check a password; get-session never does, and a hook matching
          // it would keep the fast get-session (routes/fast-session) off.
          matcher: (ctx: { path?: string }) => ctx.path !== "/get-session",
          handler: createAuthMiddleware(async (ctx) => {
            const thisCall = await callKey(ctx);
            const call = [ctx.context, thisCall].find((c) => reserved.has(c));
            const err = errorOf(ctx.context.returned);
            const secondFactor = SECOND_FACTOR_PATHS.has(ctx.path ?? "");
            // better-auth's own lock, when it was set while this request ran (admitCode refuses
            // it before): the attempt was never checked, and the answer is the contract's 429
            // with the lock's Retry-After instead of a code outside it and no wait.
            if (secondFactor && err?.code === BETTER_AUTH_LOCKED) {
              const key = call === undefined ? undefined : reserved.get(call);
              if (call !== undefined) reserved.delete(call);
              if (key !== undefined) await store.release(key);
              const who = await challengeOf(ctx);
              const wait = who ? await twoFactorLockOfUser(ctx.context, who.userId) : 0;
              throw lockedOut("code", Math.max(wait, 1));
            }
            if (call === undefined) return;
            const key = reserved.get(call) as string;
            reserved.delete(call);
            if (secondFactor) {
              // An accepted code ends the code streak; one that finishes a sign-in ends both.
              if (!err) {
                await store.clear(key);
                const who = await challengeOf(ctx);
                if (who?.signIn) await store.clear(who.email);
              } else if (err.status === 401) await store.confirmFailure(key);
              else await store.release(key);
              return;
            }
            // A right password that leads to a two-factor challenge is not a finished sign-in: the
            // streak goes on until a code is accepted. While the code step is locked, the
            // challenge is refused (without touching that lock: a password step neither restarts
            // nor extends the code step's wait).
            if (!err && bodyOf({ body: ctx.context.returned }).twoFactorRedirect) {
              await store.release(key);
              const wait = Math.max(await store.retryAfter(codeStepKey(key)), await twoFactorLockOf(ctx, key));
              if (wait > 0) await refuseLockedChallenge(ctx, wait);
            } else if (!err || RIGHT_PASSWORD.has(err.code)) await store.clear(key);
            else if (WRONG_PASSWORD.has(err.code)) await store.confirmFailure(key);
            else await store.release(key);
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
    admitCode,
    withdrawCode,
    init(ctx: AuthContext) {
      authContext = ctx;
    },
    /**
     * For `emailAndPassword.onPasswordReset`: a reset proves the owner, so both streaks end, and
     * so does better-auth two-factor's own lock (`two_factors.failed_verification_count`,
     * `locked_until`), which would refuse the owner's codes after the reset otherwise.
     */
    async resetCompleted(user: { id: string; email: string }): Promise<void> {
      await store.clear(user.email);
      await store.clear(codeStepKey(user.email));
      const auth = tryGetCurrentAuthEndpointContext()?.context ?? authContext;
      await auth?.adapter.updateMany({
        model: "twoFactor",
        where: [{ field: "userId", value: user.id }],
        update: { failedVerificationCount: 0, lockedUntil: null },
      });
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
