import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "./errors.js";
import { type AuthEvent, type AuthEventLog, AuthEventType } from "./events/auth-events.js";
import type { Logger } from "./logger.js";
import { CLIENT_IP_HEADER } from "./security/client-ip.js";
import { isCommonPassword } from "./security/common-passwords.js";
import type { SignInLockout } from "./security/lockout.js";

export interface HookDeps {
  lockout: SignInLockout;
  events: AuthEventLog;
  logger: Logger;
}

type HookCtx = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Where each password-bearing endpoint keeps the new password in its body. */
const NEW_PASSWORD_FIELD: Record<string, string> = {
  "/sign-up/email": "password",
  "/reset-password": "newPassword",
  "/change-password": "newPassword",
  "/set-password": "newPassword",
};

/** Admin endpoints and the event each success records. */
const ADMIN_EVENTS: Record<string, AuthEventType> = {
  "/admin/set-role": AuthEventType.ROLE_CHANGED,
  "/admin/ban-user": AuthEventType.USER_BANNED,
  "/admin/unban-user": AuthEventType.USER_UNBANNED,
  "/admin/impersonate-user": AuthEventType.IMPERSONATION_STARTED,
  "/admin/stop-impersonating": AuthEventType.IMPERSONATION_STOPPED,
  "/admin/remove-user": AuthEventType.USER_DELETED,
};

const body = (ctx: HookCtx): Record<string, unknown> =>
  (ctx.body && typeof ctx.body === "object" ? ctx.body : {}) as Record<string, unknown>;

/** IP (resolved by our client-ip middleware) and user agent of the request behind a hook. */
export function requestMeta(request: Request | undefined | null): { ip: string | null; userAgent: string | null } {
  return {
    ip: request?.headers.get(CLIENT_IP_HEADER) ?? null,
    userAgent: request?.headers.get("user-agent") ?? null,
  };
}

function errorOf(returned: unknown): { status: number; code: string } | null {
  if (returned instanceof APIError) {
    const code = (returned.body as { code?: string } | undefined)?.code ?? String(returned.status);
    return { status: returned.statusCode, code };
  }
  return null;
}

/**
 * better-auth `hooks.before`/`hooks.after`: common-password screening, the per-account sign-in
 * lockout, TOKEN_EXPIRED for stale reset links, and the audit events of request-level actions.
 */
export function createHooks({ lockout, events, logger }: HookDeps) {
  const record = (e: AuthEvent): void => {
    events.record(e).catch((err: unknown) => logger.error({ err, type: e.type }, "could not write auth event"));
  };

  const before = createAuthMiddleware(async (ctx) => {
    const field = NEW_PASSWORD_FIELD[ctx.path];
    const candidate = field ? body(ctx)[field] : undefined;
    if (
      typeof candidate === "string" &&
      candidate.length >= 8 &&
      candidate.length <= 128 &&
      isCommonPassword(candidate)
    ) {
      throw new APIError("BAD_REQUEST", {
        code: ErrorCode.PASSWORD_TOO_COMMON,
        message: "This password is one of the most common ones and easy to guess. Choose another.",
      });
    }

    if (ctx.path === "/sign-in/email") {
      const email = body(ctx).email;
      if (typeof email === "string" && email.length <= 320) {
        const wait = await lockout.retryAfter(email);
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
      }
    }

    if (ctx.path === "/reset-password") {
      // better-auth answers INVALID_TOKEN for an expired token too; users deserve to know the
      // link merely timed out, so an existing-but-expired token gets its own code.
      const token = body(ctx).token ?? ctx.query?.token;
      if (typeof token !== "string" || token.length === 0 || token.length > 256) return;
      const row = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
      if (row && new Date(row.expiresAt) < new Date()) {
        throw new APIError("BAD_REQUEST", {
          code: ErrorCode.TOKEN_EXPIRED,
          message: "This password reset link has expired. Request a new one.",
        });
      }
    }
  });

  const after = createAuthMiddleware(async (ctx) => {
    const err = errorOf(ctx.context.returned);
    const meta = requestMeta(ctx.request);

    if (ctx.path === "/sign-in/email") {
      const email = body(ctx).email;
      if (typeof email !== "string") return;
      if (!err) {
        const s = ctx.context.newSession;
        await lockout.clear(email);
        record({ type: AuthEventType.SIGN_IN, userId: s?.user.id, sessionId: s?.session.id, success: true, ...meta });
      } else if (err.code !== ErrorCode.RATE_LIMITED) {
        if (err.status === 401) await lockout.recordFailure(email);
        // Attempts against an existing account appear in that user's trail (admins only read it).
        const target =
          email.length <= 320 ? await ctx.context.internalAdapter.findUserByEmail(email.toLowerCase()) : null;
        record({
          type: AuthEventType.SIGN_IN_FAILED,
          userId: target?.user.id ?? null,
          success: false,
          reason: err.code,
          ...meta,
        });
      }
      return;
    }
    if (err) return;

    if (ctx.path.startsWith("/callback/") || ctx.path.startsWith("/oauth2/callback/")) {
      const s = ctx.context.newSession;
      if (s) {
        // ctx.path is the route pattern (/callback/:id); the provider is the :id parameter.
        const provider = (ctx.params as { id?: string } | undefined)?.id ?? "unknown";
        record({
          type: AuthEventType.SIGN_IN,
          userId: s.user.id,
          sessionId: s.session.id,
          success: true,
          reason: `oauth:${provider}`,
          ...meta,
        });
      }
    } else if (ctx.path === "/verify-email") {
      const s = ctx.context.newSession ?? ctx.context.session;
      record({ type: AuthEventType.EMAIL_VERIFIED, userId: s?.user.id ?? null, success: true, ...meta });
      // Verifying signs the person in: that session's start belongs in the trail too.
      if (ctx.context.newSession) {
        const n = ctx.context.newSession;
        record({
          type: AuthEventType.SIGN_IN,
          userId: n.user.id,
          sessionId: n.session.id,
          success: true,
          reason: "email_verification",
          ...meta,
        });
      }
    } else if (ctx.path === "/change-password") {
      record({ type: AuthEventType.PASSWORD_CHANGED, userId: ctx.context.session?.user.id, success: true, ...meta });
    } else if (ADMIN_EVENTS[ctx.path]) {
      const b = body(ctx);
      const actor = ctx.context.session?.user.id ?? null;
      const target = typeof b.userId === "string" ? b.userId : ctx.path === "/admin/stop-impersonating" ? actor : null;
      const reason =
        ctx.path === "/admin/set-role" ? `role=${String(b.role)}` : ctx.path === "/admin/ban-user" ? "banned" : null;
      record({
        type: ADMIN_EVENTS[ctx.path] as AuthEventType,
        userId: target,
        actorId: actor,
        success: true,
        reason,
        ...meta,
      });
    }
  });

  return { before, after, record };
}
