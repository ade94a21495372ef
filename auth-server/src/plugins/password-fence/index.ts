import { tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
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

/** better-auth two-factor's answer for a challenge that is gone (`TWO_FACTOR_ERROR_CODES`). */
const DEAD_CHALLENGE = { code: "INVALID_TWO_FACTOR_COOKIE", message: "Invalid two factor cookie" };

type Call = Pick<HookContext, "request" | "context">;

/**
 * A password change ends every session the old password opened, including the ones a sign-in was
 * still opening when the change happened (OWASP ASVS V3.3.3 / 5.0 V7.4.3: terminate all sessions
 * after a successful password change or reset). better-auth revokes the sessions that exist when the
 * reset runs; a sign-in that verified the old hash before it and stores its session (or its
 * two-factor challenge) after it would keep one. Three parts close that:
 *
 * - **Sign-in** (`/sign-in/email`): `guard` notes, per call, the hash the password verified (and its
 *   argon2id replacement when `onRehash` rewrote it). Once the step's outcome is stored (a session,
 *   or the two-factor challenge that replaced it: this plugin's hook runs after two-factor's), the
 *   credential account is read again; if its hash is no longer one of those, the session or
 *   challenge is deleted and the answer is 401 INVALID_EMAIL_OR_PASSWORD, as for that password now.
 * - **After the change** (`passwordChanged`: a completed reset, and a change-password that revoked
 *   the other sessions): the user's sessions are deleted once more, after the change committed.
 *   Together: a session stored before that sweep is swept; one stored after it is checked after
 *   the new hash committed, and refused.
 * - **Second step** (`/two-factor/verify-*` completing a sign-in): refused with better-auth's
 *   INVALID_TWO_FACTOR_COOKIE, and the new session deleted, when the credential account was updated
 *   after the challenge was issued (`accounts.updated_at` after the challenge's `created_at`; a
 *   rehash does not touch `updated_at`). The sweep cannot reach challenges: with Redis they live
 *   there, keyed by a random identifier, not by user.
 */
export function passwordFence() {
  /** Hashes the current call's password step verified, by call (hook-context `callKey`). */
  const verified = new WeakMap<object, Set<string>>();
  let authContext: AuthContext | undefined;

  /** Records `hash` as verified by the sign-in running now (no-op on any other endpoint). */
  async function note(hash: string): Promise<void> {
    const ctx = tryGetCurrentAuthEndpointContext() as Call | undefined;
    if (!ctx || (ctx as { path?: string }).path !== SIGN_IN) return;
    const key = await callKey(ctx as HookContext);
    let hashes = verified.get(key);
    if (!hashes) {
      hashes = new Set();
      verified.set(key, hashes);
    }
    hashes.add(hash);
  }

  async function currentHash(ctx: HookContext, userId: string): Promise<string | null> {
    const account = await ctx.context.internalAdapter.findCredentialAccount(userId);
    return account?.password ?? null;
  }

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
          matcher: (ctx: { path?: string }) => ctx.path === SIGN_IN,
          handler: createAuthMiddleware(async (ctx) => {
            const hashes = verified.get(await callKey(ctx));
            if (!hashes || errorOf(ctx.context.returned)) return;
            const session = ctx.context.newSession;
            const challenge = session ? null : challengeSet(ctx);
            const userId = session?.user.id ?? (challenge ? await challengeUser(ctx, challenge) : null);
            if (!userId) return;
            const now = await currentHash(ctx, userId);
            if (now !== null && hashes.has(now)) return;
            if (session) {
              await ctx.context.internalAdapter.deleteSession(session.session.token);
              ctx.context.setNewSession(null);
              deleteSessionCookie(ctx);
            }
            if (challenge) {
              await ctx.context.internalAdapter.deleteVerificationByIdentifier(challenge);
              expireCookie(ctx, ctx.context.createAuthCookie(TWO_FACTOR_COOKIE));
            }
            throw new APIError("UNAUTHORIZED", {
              code: ErrorCode.INVALID_EMAIL_OR_PASSWORD,
              message: "Invalid email or password",
            });
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
            if (!challenge?.signIn || !challenge.issuedAt) return;
            const account = await ctx.context.internalAdapter.findCredentialAccount(session.user.id);
            if (!account || new Date(account.updatedAt).getTime() <= challenge.issuedAt.getTime()) return;
            await ctx.context.internalAdapter.deleteSession(session.session.token);
            ctx.context.setNewSession(null);
            deleteSessionCookie(ctx);
            throw new APIError("UNAUTHORIZED", DEAD_CHALLENGE);
          }),
        },
      ],
    },
    /**
     * Wraps better-auth's password hasher (inside the lockout, outside the hash itself): a sign-in's
     * verification that succeeds notes the hash it verified.
     */
    guard(hasher: PasswordHasher): PasswordHasher {
      return {
        hash: (password) => hasher.hash(password),
        async verify(data) {
          const ok = await hasher.verify(data);
          if (ok) await note(data.hash);
          return ok;
        },
      };
    },
    /** For the hasher's `onRehash`: the replacement a sign-in wrote is the hash it verified too. */
    rehashed: (newHash: string): Promise<void> => note(newHash),
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

/** The user a two-factor challenge identifier stands for, or null when it is gone. */
async function challengeUser(ctx: HookContext, identifier: string): Promise<string | null> {
  const pending = await ctx.context.internalAdapter.findVerificationValue(identifier);
  return pending?.value ?? null;
}
