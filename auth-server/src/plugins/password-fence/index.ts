import { createHmac } from "node:crypto";
import { getCurrentAdapter, tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { deleteSessionCookie, expireCookie } from "better-auth/cookies";
import { ErrorCode } from "../../contract.gen.js";
import type { PasswordHasher } from "../../password.js";
import { bodyOf, callKey, errorOf, type HookContext } from "../hook-context.js";
import { challengeOf, TWO_FACTOR_COOKIE } from "../mfa/challenge.js";
import { SECOND_FACTOR_PATHS } from "../mfa/session-methods.js";

const SIGN_IN = "/sign-in/email";
const CHANGE_PASSWORD = "/change-password";
/** Verification rows this plugin keeps beside a two-factor challenge: `<prefix><challenge identifier>`. */
const CHALLENGE_FENCE_PREFIX = "password-fence-";
/** better-auth two-factor's default `twoFactorCookieMaxAge`, the challenge's lifetime (seconds). */
const CHALLENGE_TTL_S = 600;

/** What one endpoint call proved and did, as far as this plugin follows it. */
interface CallState {
  /** Stored hashes a password of this call verified against, and argon2id replacements it wrote. */
  verified: Set<string>;
  /** Hashes this call computed for a new password (change-password's). */
  produced: Set<string>;
  /** Ids of sessions this call deleted while they still existed. */
  deleted: Set<string>;
}

type Endpoint = Pick<HookContext, "request" | "context"> & { path?: string };

/**
 * A password change ends every session the old password opened, including the ones an endpoint was
 * still opening when the change happened (OWASP ASVS 4.0 V3.3.3 / 5.0 V7.4.3: terminate all sessions
 * after a password change or reset). better-auth deletes the sessions that exist when a reset runs;
 * a request that proved itself before it (with the old password, or with a session the reset
 * deletes) and stores its new session after it would keep one. The rules, for every endpoint:
 *
 * - **Password** (sign-in, two-factor enable/disable, any endpoint that verifies one): `guard` notes
 *   the hash the password verified (and the argon2id replacement a rehash wrote). Once the call's
 *   new session, or on a sign-in the two-factor challenge that replaced it (this plugin's hook runs
 *   after two-factor's), is stored, the credential account is read again. A hash that is neither of
 *   those, and that the password presented does not verify against either (so a concurrent rehash
 *   or a reset to the same password refuses nobody), undoes it: the session or challenge is
 *   deleted, and the answer is what that password earns now (401 INVALID_EMAIL_OR_PASSWORD on
 *   sign-in, better-auth's 400 INVALID_PASSWORD elsewhere).
 * - **Parent session** (an endpoint acting with a session that stores a new one: better-auth's
 *   two-factor rotations, impersonate-user, …): once the new session is stored, the request's own
 *   session must still exist, or have been deleted by this call while it still existed (a
 *   rotation); otherwise the new one is deleted and the answer is 401 UNAUTHORIZED.
 * - **Impersonation**: a new impersonation session whose row the database deleted as it was stored
 *   (migration 0015) is deleted again through the adapter, so no Redis copy written after outlives it.
 * - **Change-password**: its password write is a compare-and-swap, one conditional UPDATE that is
 *   atomic on both databases (better-auth's "transaction" is none here: the Kysely adapter runs
 *   without one): the stored hash must still be the one its current password verified, or the
 *   change is refused (400 INVALID_PASSWORD) and the password stays as the reset left it. What
 *   better-auth did before the write stays done (with `revokeOtherSessions`, the sessions it deleted).
 * - **After the change** (`passwordChanged`: a completed reset, and a change-password that revoked
 *   the other sessions): the user's sessions are deleted once more, after the change committed. With
 *   the rules above, no ordering leaves a session: one stored before that sweep is swept; one stored
 *   after it finds the new hash, or its parent session gone.
 * - **Second step** (`/two-factor/verify-*` completing a sign-in): the password step keeps an HMAC of
 *   the hash it verified beside its challenge; the new session is deleted and the step refused
 *   (better-auth's INVALID_TWO_FACTOR_COOKIE) when the stored hash is no longer that one. A challenge
 *   without it (issued before this rule) is refused when the credential account was updated after
 *   the challenge was issued. The sweep cannot reach challenges: with Redis they live there, keyed by a
 *   random identifier, not by user.
 */
export function passwordFence(secret: string) {
  const calls = new WeakMap<object, CallState>();
  /** The hasher inside this plugin's guard (no lockout reservation: re-checks are not guesses). */
  let inner: PasswordHasher | undefined;
  let authContext: AuthContext | undefined;

  async function stateOf(ctx: Endpoint, create: boolean): Promise<CallState | undefined> {
    const key = await callKey(ctx as HookContext);
    let state = calls.get(key);
    if (!state && create) {
      state = { verified: new Set(), produced: new Set(), deleted: new Set() };
      calls.set(key, state);
    }
    return state;
  }

  /** Notes `hash` in the running endpoint call's `kind` set (no-op outside an endpoint). */
  async function note(kind: "verified" | "produced", hash: string): Promise<void> {
    const ctx = tryGetCurrentAuthEndpointContext() as Endpoint | undefined;
    if (ctx) (await stateOf(ctx, true))?.[kind].add(hash);
  }

  const fingerprint = (hash: string): string => createHmac("sha256", secret).update(hash).digest("base64url");

  async function currentHash(ctx: HookContext, userId: string): Promise<string | null> {
    const account = await ctx.context.internalAdapter.findCredentialAccount(userId);
    return account?.password ?? null;
  }

  /** The password a request presented: a sign-in's or a re-check's `password`, change-password's `currentPassword`. */
  function presented(ctx: HookContext): string | null {
    const body = bodyOf(ctx);
    const value = ctx.path === CHANGE_PASSWORD ? body.currentPassword : body.password;
    return typeof value === "string" ? value : null;
  }

  /**
   * The stored hash when it is one the call verified or wrote, or one the password presented verifies
   * against; else null. Read once: what is accepted is what the caller keeps (the challenge's HMAC).
   */
  async function holdingHash(ctx: HookContext, state: CallState, userId: string): Promise<string | null> {
    const now = await currentHash(ctx, userId);
    if (now === null) return null;
    if (state.verified.has(now) || state.produced.has(now)) return now;
    const password = presented(ctx);
    const holds = password !== null && inner !== undefined && (await inner.verify({ hash: now, password }));
    return holds ? now : null;
  }

  /** Deletes what the call stored (its session, its challenge) and the cookies naming them, then throws `error`. */
  async function undo(ctx: HookContext, challenge: string | null, error: APIError): Promise<never> {
    const session = ctx.context.newSession;
    if (session) {
      await ctx.context.internalAdapter.deleteSession(session.session.token);
      ctx.context.setNewSession(null);
      deleteSessionCookie(ctx);
    }
    if (challenge) {
      await ctx.context.internalAdapter.deleteVerificationByIdentifier(challenge);
      expireCookie(ctx, ctx.context.createAuthCookie(TWO_FACTOR_COOKIE));
    }
    throw error;
  }

  const wrongPassword = (ctx: HookContext): APIError =>
    ctx.path === SIGN_IN
      ? new APIError("UNAUTHORIZED", {
          code: ErrorCode.INVALID_EMAIL_OR_PASSWORD,
          message: "Invalid email or password",
        })
      : new APIError("BAD_REQUEST", { code: "INVALID_PASSWORD", message: "Invalid password" });

  /** Deletes the user's sessions but `keepToken`'s (the one change-password opens). */
  async function passwordChanged(userId: string, keepToken?: string): Promise<void> {
    const auth = tryGetCurrentAuthEndpointContext()?.context ?? authContext;
    if (!auth) return;
    if (keepToken === undefined) {
      await auth.internalAdapter.deleteUserSessions(userId);
      return;
    }
    const others = (await auth.internalAdapter.listSessions(userId)).filter((s) => s.token !== keepToken);
    if (others.length > 0) await auth.internalAdapter.deleteSessions(others.map((s) => s.token));
  }

  return {
    id: "gatehouse-password-fence",
    init(ctx: AuthContext) {
      authContext = ctx;
      return {
        options: {
          databaseHooks: {
            session: {
              delete: {
                // Runs only when the row was found: the call deleted a session that still existed.
                before: async (session: { id: string }, ctx: Endpoint | null) => {
                  if (ctx) (await stateOf(ctx, true))?.deleted.add(session.id);
                },
              },
            },
            account: {
              update: {
                before: async (data: Record<string, unknown>, ctx: Endpoint | null) => {
                  if (!ctx || ctx.path !== CHANGE_PASSWORD || typeof data.password !== "string") return;
                  const userId = (ctx.context as { session?: { user?: { id?: string } } | null }).session?.user?.id;
                  const verified = [...((await stateOf(ctx, false))?.verified ?? [])];
                  if (!userId || verified.length === 0) return;
                  // The write itself, conditional on the stored hash (one statement: atomic on both databases,
                  // with or without the adapter's transactions); better-auth's own write is then skipped.
                  const swapped = await (await getCurrentAdapter(ctx.context.adapter)).updateMany({
                    model: "account",
                    where: [
                      { field: "userId", value: userId },
                      { field: "providerId", value: "credential" },
                      { field: "password", operator: "in", value: verified },
                    ],
                    update: { ...data, updatedAt: new Date() },
                  });
                  if (!swapped) throw wrongPassword(ctx as HookContext);
                  return false;
                },
              },
            },
          },
        },
      };
    },
    hooks: {
      before: [
        {
          // Resolves the challenge while it exists: the endpoint consumes it (cached per call).
          matcher: (ctx: { path?: string }) => SECOND_FACTOR_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            await challengeOf(ctx);
          }),
        },
      ],
      after: [
        {
          // Every endpoint but get-session (which never opens a session; a hook on it would keep the
          // fast get-session, routes/fast-session, off).
          matcher: (ctx: { path?: string }) => ctx.path !== "/get-session",
          handler: createAuthMiddleware(async (ctx) => {
            if (errorOf(ctx.context.returned)) return;
            const created = ctx.context.newSession;
            const challenge = !created && ctx.path === SIGN_IN ? challengeSet(ctx) : null;
            if (!created && !challenge) return;
            const state = await stateOf(ctx, false);
            const parent = ctx.context.session;
            if (
              created &&
              parent &&
              parent.session.id !== created.session.id &&
              !state?.deleted.has(parent.session.id)
            ) {
              if (!(await sessionStored(ctx, parent.session.id)))
                await undo(
                  ctx,
                  null,
                  new APIError("UNAUTHORIZED", { code: ErrorCode.UNAUTHORIZED, message: "Sign in first." }),
                );
            }
            // An impersonation session the database refused as it was stored (migration 0015: its admin's
            // authority had ended) may still have been copied to Redis after: deleting it again clears that.
            if (created && (created.session as { impersonatedBy?: string | null }).impersonatedBy) {
              if (!(await sessionStored(ctx, created.session.id)))
                await undo(
                  ctx,
                  null,
                  new APIError("FORBIDDEN", {
                    code: ErrorCode.FORBIDDEN,
                    message: "The administrator's authority ended while the impersonation started.",
                  }),
                );
            }
            if (state && state.verified.size > 0) {
              const userId = created?.user.id ?? (challenge ? await challengeUser(ctx, challenge) : null);
              const hash = userId ? await holdingHash(ctx, state, userId) : null;
              if (userId && hash === null) await undo(ctx, challenge, wrongPassword(ctx));
              if (hash !== null && challenge) {
                await ctx.context.internalAdapter.createVerificationValue({
                  identifier: `${CHALLENGE_FENCE_PREFIX}${challenge}`,
                  value: fingerprint(hash),
                  expiresAt: new Date(Date.now() + CHALLENGE_TTL_S * 1000),
                });
              }
            }
          }),
        },
        {
          // better-auth's change-password revokes the other sessions before it opens the new one.
          matcher: (ctx: { path?: string }) => ctx.path === CHANGE_PASSWORD,
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned as { token?: unknown; user?: { id?: unknown } } | undefined;
            if (errorOf(returned) || bodyOf(ctx).revokeOtherSessions !== true) return;
            if (typeof returned?.user?.id !== "string" || typeof returned.token !== "string") return;
            await passwordChanged(returned.user.id, returned.token);
          }),
        },
        {
          matcher: (ctx: { path?: string }) => SECOND_FACTOR_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const session = ctx.context.newSession;
            if (!session || errorOf(ctx.context.returned)) return;
            const challenge = await challengeOf(ctx);
            if (!challenge?.signIn || !challenge.identifier) return;
            const fenceId = `${CHALLENGE_FENCE_PREFIX}${challenge.identifier}`;
            const kept = await ctx.context.internalAdapter.findVerificationValue(fenceId);
            const dead = new APIError("UNAUTHORIZED", {
              code: "INVALID_TWO_FACTOR_COOKIE",
              message: "Invalid two factor cookie",
            });
            const account = await ctx.context.internalAdapter.findCredentialAccount(session.user.id);
            if (kept) {
              await ctx.context.internalAdapter.deleteVerificationByIdentifier(fenceId);
              if (!account?.password || fingerprint(account.password) !== kept.value) await undo(ctx, null, dead);
              return;
            }
            if (account && challenge.issuedAt && new Date(account.updatedAt).getTime() > challenge.issuedAt.getTime())
              await undo(ctx, null, dead);
          }),
        },
      ],
    },
    /**
     * Wraps better-auth's password hasher (inside the lockout, outside the hash itself): a verification
     * that succeeds notes the hash it verified; a hash computed notes its result.
     */
    guard(hasher: PasswordHasher): PasswordHasher {
      inner = hasher;
      return {
        async hash(password) {
          const hashed = await hasher.hash(password);
          await note("produced", hashed);
          return hashed;
        },
        async verify(data) {
          const ok = await hasher.verify(data);
          if (ok) await note("verified", data.hash);
          return ok;
        },
      };
    },
    /** For the hasher's `onRehash`, once the replacement is stored: the call verified it too. */
    rehashed: (newHash: string): Promise<void> => note("verified", newHash),
    /**
     * After a password change committed (`onPasswordReset`, and this plugin's own hook on a
     * change-password that revoked the other sessions): deletes the user's sessions but `keepToken`'s.
     */
    passwordChanged,
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}

/**
 * The two-factor challenge identifier this answer sets (better-auth two-factor's after hook signs it
 * into the `two_factor` cookie as `identifier.signature`), or null when it sets none.
 */
function challengeSet(ctx: HookContext): string | null {
  const name = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE).name;
  for (const line of ctx.context.responseHeaders?.getSetCookie() ?? []) {
    const pair = line.split(";", 1)[0] ?? "";
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq).trim() !== name) continue;
    const signed = decodeURIComponent(pair.slice(eq + 1));
    const dot = signed.lastIndexOf(".");
    return dot > 0 ? signed.slice(0, dot) : null;
  }
  return null;
}

/** True when the session row `id` is in the database (the authority: a revoked session is a deleted row). */
async function sessionStored(ctx: HookContext, id: string): Promise<boolean> {
  return Boolean(await ctx.context.adapter.findOne({ model: "session", where: [{ field: "id", value: id }] }));
}

/** The user a two-factor challenge identifier stands for, or null when it is gone. */
async function challengeUser(ctx: HookContext, identifier: string): Promise<string | null> {
  const pending = await ctx.context.internalAdapter.findVerificationValue(identifier);
  return pending?.value ?? null;
}
