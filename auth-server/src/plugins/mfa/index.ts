import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { Kysely } from "kysely";
import { AuditEventType, ErrorCode } from "../../contract.gen.js";
import type { Mailer } from "../../email/index.js";
import type { AuditEvent, AuditTrail } from "../audit/trail.js";
import { bodyOf, errorOf, type HookContext, requestMeta } from "../hook-context.js";
import { requestSession } from "../request-session.js";
import { secondFactorAdminEndpoints } from "./admin.js";
import { requireSecondFactor } from "./amr.js";
import { hashedBackupCodes } from "./backup-codes.js";
import { BETTER_AUTH_LOCKED, challengeOf } from "./challenge.js";
import { UsedCodes } from "./used-codes.js";

export { Amr, type AmrValue, combineAmr, formatAmr, parseAmr, requireSecondFactor } from "./amr.js";
export { hashedBackupCodes } from "./backup-codes.js";
export { type Challenge, challengeOf } from "./challenge.js";
export { SECOND_FACTOR_PATHS, type SessionMethods, sessionMethods } from "./session-methods.js";
export { UsedCodes } from "./used-codes.js";

const TOTP = "/two-factor/verify-totp";
/**
 * better-auth two-factor's email/SMS one-time codes: Gatehouse does not offer them (no sender is
 * configured; a code mailed to the inbox the password can reset is no second factor), so they are
 * not served (404, like any unknown route) nor documented (openapi/document.ts).
 */
export const NOT_OFFERED = new Set(["/two-factor/send-otp", "/two-factor/verify-otp"]);
const BACKUP = "/two-factor/verify-backup-code";
/** Admin routes that stay open to a session without a second factor: leaving an impersonation. */
const ADMIN_OPEN = new Set(["/admin/stop-impersonating"]);
/** Users whose current lock's refusal is remembered as audited (plugins/mfa `admit`), at most. */
const MAX_LOCKS_AUDITED = 10_000;

export interface SecondFactorOptions {
  db: Kysely<any>;
  secret: string;
  trail: AuditTrail;
  mailer: Mailer;
  frontendUrl: string;
  /** ADMIN_REQUIRE_MFA: every /admin/* route needs a session whose amr holds `mfa`. */
  adminRequireMfa: boolean;
  /**
   * The account lockout's code step (plugins/lockout): `admitCode` reserves the attempt or throws
   * 429, and runs before a TOTP code is claimed, so a code the lockout refuses stays usable after
   * the wait; `withdrawCode` gives the reservation back when a replay is refused unchecked.
   */
  codeGate?: CodeGate;
}

/** See `SecondFactorOptions.codeGate`. */
export interface CodeGate {
  admitCode(ctx: HookContext): Promise<void>;
  withdrawCode(ctx: HookContext): Promise<void>;
}

/**
 * Gatehouse's rules around better-auth's two-factor and passkey plugins (which do the factors):
 * TOTP codes are single-use (used-codes.ts), backup codes are matched by digest
 * (backup-codes.ts), ADMIN_REQUIRE_MFA guards the admin routes (403 MFA_REQUIRED), every
 * enrol / disable / verify / failure is audited, and admins can see and reset a user's factors
 * (admin.ts). The account lockout counts failed codes (plugins/lockout).
 */
export function secondFactorRules(opts: SecondFactorOptions) {
  const usedCodes = new UsedCodes(opts.db);
  const backup = hashedBackupCodes(opts.secret);
  const record = (ctx: HookContext, e: AuditEvent) => opts.trail.record({ ...requestMeta(ctx.request), ...e });
  const on = (path: string | ((p: string) => boolean)) => (ctx: { path?: string }) =>
    typeof path === "string" ? ctx.path === path : path(ctx.path ?? "");
  const after = (path: string, handler: (ctx: HookContext) => Promise<void> | void) => ({
    matcher: on(path),
    handler: createAuthMiddleware(async (ctx) => {
      await handler(ctx);
    }),
  });
  /** Audit of a code verification: sign-in, enrolment or step-up, or a refusal. */
  const auditVerify = (method: "totp" | "backup_code") => async (ctx: HookContext) => {
    const who = await challengeOf(ctx);
    const err = errorOf(ctx.context.returned);
    if (!who) return;
    if (err) {
      // better-auth's own lock is answered as the contract's RATE_LIMITED (plugins/lockout); audited alike.
      const reason = err.code === BETTER_AUTH_LOCKED ? ErrorCode.RATE_LIMITED : err.code;
      record(ctx, { type: AuditEventType.TWO_FACTOR_FAILED, userId: who.userId, success: false, reason });
      return;
    }
    const created = ctx.context.newSession;
    if (who.signIn && created) {
      record(ctx, {
        type: AuditEventType.SIGN_IN,
        userId: who.userId,
        sessionId: created.session.id,
        success: true,
        reason: method,
        details: { method },
      });
    }
    // A first TOTP code with a live session confirms enrolment (better-auth then re-issues the session).
    const type =
      !who.signIn && created && method === "totp"
        ? AuditEventType.TWO_FACTOR_ENABLED
        : AuditEventType.TWO_FACTOR_VERIFIED;
    record(ctx, { type, userId: who.userId, sessionId: created?.session.id ?? null, success: true, reason: method });
  };
  /** Per user, until when (ms) a lock's refusal is already in the trail (see `admit`). */
  const lockAudited = new Map<string, number>();
  /**
   * Whether a refusal of `userId`'s codes is the first of its lock on this instance, remembering it
   * until the lock's end (the refusal's Retry-After). Bounded: expired entries go first, then the oldest.
   * By time only: the row names the first caller (IP, user agent) of the lock, and a lock a password
   * reset ended, armed again before the remembered end, is not recorded a second time.
   */
  const firstOfLock = (userId: string, refusal: unknown): boolean => {
    const now = Date.now();
    if ((lockAudited.get(userId) ?? 0) > now) return false;
    const headers = refusal instanceof APIError ? new Headers(refusal.headers as HeadersInit) : new Headers();
    const wait = Number(headers.get("retry-after")) || 60;
    if (lockAudited.size >= MAX_LOCKS_AUDITED)
      for (const [user, until] of lockAudited) if (until <= now) lockAudited.delete(user);
    if (lockAudited.size >= MAX_LOCKS_AUDITED) lockAudited.delete(lockAudited.keys().next().value as string);
    lockAudited.set(userId, now + wait * 1000);
    return true;
  };
  /**
   * The lockout's admission of a code (`codeGate.admitCode`), for any code a challenge or session
   * sends (well-formed or not). A code it refuses (429 RATE_LIMITED: the code step or better-auth's
   * own lock holds) never reaches the endpoint or its after hooks, so the refusal is audited here as
   * a failed code — the first of each lock only (per instance): a signed-in user retrying while
   * locked must not be able to fill the trail.
   */
  const admit = async (ctx: HookContext, userId: string) => {
    try {
      await opts.codeGate?.admitCode(ctx);
    } catch (refusal) {
      const code = refusal instanceof APIError ? (refusal.body as { code?: string } | undefined)?.code : undefined;
      if (code && firstOfLock(userId, refusal))
        record(ctx, { type: AuditEventType.TWO_FACTOR_FAILED, userId, success: false, reason: code });
      throw refusal;
    }
  };
  const auditSimple = (type: AuditEventType) => (ctx: HookContext) => {
    if (errorOf(ctx.context.returned)) return;
    const userId = ctx.context.session?.user.id ?? null;
    record(ctx, { type, userId, success: true });
  };

  return {
    id: "gatehouse-second-factor",
    /** better-auth two-factor `backupCodeOptions.storeBackupCodes`: digests, not the codes. */
    storeBackupCodes: backup.storeBackupCodes,
    endpoints: secondFactorAdminEndpoints({
      trail: opts.trail,
      mailer: opts.mailer,
      frontendUrl: opts.frontendUrl,
      usedCodes,
    }),
    hooks: {
      before: [
        {
          matcher: on((p) => NOT_OFFERED.has(p)),
          handler: createAuthMiddleware(async (ctx) => {
            throw new APIError("NOT_FOUND", {
              code: ErrorCode.NOT_FOUND,
              message: `No route for ${ctx.request?.method ?? "POST"} /api/auth${ctx.path}.`,
            });
          }),
        },
        {
          matcher: on(BACKUP),
          handler: createAuthMiddleware(async (ctx) => {
            const body = bodyOf(ctx);
            const who = await challengeOf(ctx);
            // Admitted here rather than by the lockout's own hook, so that a refusal is audited.
            if (who) await admit(ctx, who.userId);
            if (typeof body.code !== "string") return;
            return { context: { body: { ...body, code: backup.digestOf(body.code) } } };
          }),
        },
        {
          matcher: on(TOTP),
          handler: createAuthMiddleware(async (ctx) => {
            const code = bodyOf(ctx).code;
            const who = await challengeOf(ctx);
            if (!who) return;
            // The lockout first: a claim is only released by the after hook, which a refusal here
            // skips, so a code claimed and then refused by the lockout would be spent untried.
            await admit(ctx, who.userId);
            if (typeof code !== "string" || !/^\d{6,8}$/.test(code)) return;
            if (!(await usedCodes.claim(who.userId, code))) {
              await opts.codeGate?.withdrawCode(ctx);
              record(ctx, {
                type: AuditEventType.TWO_FACTOR_FAILED,
                userId: who.userId,
                success: false,
                reason: "CODE_ALREADY_USED",
              });
              throw new APIError("UNAUTHORIZED", {
                code: "INVALID_CODE",
                message: "This code was already used. Wait for the next one.",
              });
            }
          }),
        },
        {
          matcher: on((p) => opts.adminRequireMfa && p.startsWith("/admin/") && !ADMIN_OPEN.has(p)),
          handler: createAuthMiddleware(async (ctx) => {
            // Cookie or Bearer alike (requestSession): a Bearer admin was let through when this read the cookie only.
            const session = await requestSession(ctx);
            if (!session) return; // the endpoint answers 401 itself
            requireSecondFactor((session.session as { amr?: string | null }).amr);
          }),
        },
      ],
      after: [
        after(TOTP, async (ctx) => {
          const code = bodyOf(ctx).code;
          const who = await challengeOf(ctx);
          if (who && typeof code === "string" && errorOf(ctx.context.returned))
            await usedCodes.release(who.userId, code);
          await auditVerify("totp")(ctx);
        }),
        after(BACKUP, auditVerify("backup_code")),
        after("/two-factor/disable", auditSimple(AuditEventType.TWO_FACTOR_DISABLED)),
        after("/two-factor/generate-backup-codes", auditSimple(AuditEventType.BACKUP_CODES_GENERATED)),
        after("/passkey/verify-registration", auditSimple(AuditEventType.PASSKEY_ADDED)),
        after("/passkey/delete-passkey", auditSimple(AuditEventType.PASSKEY_DELETED)),
        after("/passkey/verify-authentication", (ctx) => {
          const err = errorOf(ctx.context.returned);
          const created = ctx.context.newSession;
          if (err) record(ctx, { type: AuditEventType.PASSKEY_FAILED, success: false, reason: err.code });
          else if (created)
            record(ctx, {
              type: AuditEventType.SIGN_IN,
              userId: created.user.id,
              sessionId: created.session.id,
              success: true,
              reason: "passkey",
              details: { method: "passkey" },
            });
        }),
      ],
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
