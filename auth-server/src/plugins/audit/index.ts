import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf, errorOf, type HookContext, requestMeta } from "../hook-context.js";
import { serviceActorOf } from "./actor.js";
import { ADMIN_ACTIONS } from "./admin-actions.js";
import { type AuditEvent, AuditEventType, type AuditTrail } from "./trail.js";

export { serviceActorOf, setServiceActor } from "./actor.js";
export { type AuditEvent, AuditEventType, AuditTrail } from "./trail.js";

/** A hook context, or the endpoint context better-auth hands to database hooks (null outside one). */
type AnyContext = Pick<HookContext, "context" | "request" | "path"> | null | undefined;

/** Who is acting: the internal API's service actor, else the signed-in user of the request. */
export function actorOf(ctx: AnyContext): string | null {
  return serviceActorOf(ctx?.request) ?? ctx?.context?.session?.user.id ?? null;
}

/** The user who owns the session of a hook, or a newly created session's. */
const sessionOf = (ctx: HookContext) => ctx.context.newSession ?? ctx.context.session ?? null;

/** Paths of the provider callbacks (the route patterns, `:id` being the provider). */
const CALLBACK_PATHS = new Set(["/callback/:id", "/oauth2/callback/:id"]);

/**
 * The audit trail as a better-auth plugin: every row in `auth_events` the auth server writes comes
 * from here. Request-level actions are after hooks matched by path; changes that can happen on
 * many paths (sessions deleted, accounts linked, users created or deleted) are database hooks,
 * so no endpoint can forget them. `resetRequested` / `resetCompleted` serve better-auth's
 * password-reset callbacks, the only place that knows whose reset it was.
 */
export function audit(trail: AuditTrail) {
  const record = (ctx: AnyContext, e: AuditEvent): void => trail.record({ ...requestMeta(ctx?.request), ...e });

  const afterPath = (path: string | ((p: string) => boolean), handler: (ctx: HookContext) => Promise<void> | void) => ({
    matcher: (ctx: { path?: string }) => (typeof path === "string" ? ctx.path === path : path(ctx.path ?? "")),
    handler: createAuthMiddleware(async (ctx) => {
      await handler(ctx);
    }),
  });

  return {
    id: "gatehouse-audit",
    hooks: {
      after: [
        afterPath("/sign-in/email", async (ctx) => {
          const email = bodyOf(ctx).email;
          if (typeof email !== "string") return;
          const err = errorOf(ctx.context.returned);
          if (!err) {
            const s = ctx.context.newSession;
            record(ctx, { type: AuditEventType.SIGN_IN, userId: s?.user.id, sessionId: s?.session.id, success: true });
            return;
          }
          if (err.code === ErrorCode.RATE_LIMITED) return;
          // Attempts against an existing account appear in that user's trail (admins only read it).
          const owner =
            email.length <= 320 ? await ctx.context.internalAdapter.findUserByEmail(email.toLowerCase()) : null;
          record(ctx, {
            type: AuditEventType.SIGN_IN_FAILED,
            userId: owner?.user.id ?? null,
            success: false,
            reason: err.code,
          });
        }),
        afterPath(
          (p) => CALLBACK_PATHS.has(p),
          (ctx) => {
            const s = ctx.context.newSession;
            if (errorOf(ctx.context.returned) || !s) return;
            const provider = (ctx.params as { id?: string } | undefined)?.id ?? "unknown";
            record(ctx, {
              type: AuditEventType.SIGN_IN,
              userId: s.user.id,
              sessionId: s.session.id,
              success: true,
              reason: `oauth:${provider}`,
            });
          },
        ),
        afterPath("/verify-email", (ctx) => {
          if (errorOf(ctx.context.returned)) return;
          record(ctx, { type: AuditEventType.EMAIL_VERIFIED, userId: sessionOf(ctx)?.user.id ?? null, success: true });
          // Verifying signs the person in: that session's start belongs in the trail too.
          const n = ctx.context.newSession;
          if (n) {
            record(ctx, {
              type: AuditEventType.SIGN_IN,
              userId: n.user.id,
              sessionId: n.session.id,
              success: true,
              reason: "email_verification",
            });
          }
        }),
        afterPath("/change-password", (ctx) => {
          if (errorOf(ctx.context.returned)) return;
          record(ctx, { type: AuditEventType.PASSWORD_CHANGED, userId: ctx.context.session?.user.id, success: true });
        }),
        afterPath("/admin/stop-impersonating", (ctx) => {
          const s = ctx.context.session;
          if (errorOf(ctx.context.returned) || !s) return;
          const impersonatedBy = (s.session as { impersonatedBy?: string | null }).impersonatedBy ?? null;
          record(ctx, {
            type: AuditEventType.IMPERSONATION_STOPPED,
            userId: s.user.id,
            actorId: impersonatedBy,
            success: true,
          });
        }),
        afterPath(
          (p) => Object.hasOwn(ADMIN_ACTIONS, p),
          (ctx) => {
            if (errorOf(ctx.context.returned)) return;
            const actorId = actorOf(ctx);
            for (const e of ADMIN_ACTIONS[ctx.path]?.(ctx) ?? []) record(ctx, { ...e, actorId });
          },
        ),
      ],
    },
    init() {
      return {
        options: {
          databaseHooks: {
            account: {
              // Provider identities joining or leaving an account; the password ("credential") is not one.
              create: {
                after: async (account, ctx) => {
                  if (account.providerId === "credential") return;
                  record(ctx, {
                    type: AuditEventType.OAUTH_LINKED,
                    userId: account.userId,
                    success: true,
                    reason: account.providerId,
                  });
                },
              },
              delete: {
                after: async (account, ctx) => {
                  if (account.providerId === "credential") return;
                  record(ctx, {
                    type: AuditEventType.OAUTH_UNLINKED,
                    userId: account.userId,
                    success: true,
                    reason: account.providerId,
                  });
                },
              },
            },
            user: {
              create: {
                after: async (user, ctx) => {
                  const actor = actorOf(ctx);
                  record(ctx, {
                    type: AuditEventType.SIGN_UP,
                    userId: user.id,
                    actorId: actor !== user.id ? actor : null,
                    success: true,
                  });
                },
              },
              delete: {
                // Self-service deletion and an admin's removal alike.
                after: async (user, ctx) => {
                  const actor = actorOf(ctx);
                  record(ctx, {
                    type: AuditEventType.USER_DELETED,
                    userId: user.id,
                    actorId: actor !== user.id ? actor : null,
                    success: true,
                  });
                },
              },
            },
            session: {
              delete: {
                // Every session the auth server deletes, for whatever reason, leaves an audit row.
                after: async (session, ctx) => {
                  const signOut = ctx?.path === "/sign-out";
                  record(ctx, {
                    type: signOut ? AuditEventType.SIGN_OUT : AuditEventType.SESSION_REVOKED,
                    userId: session.userId,
                    sessionId: session.id,
                    actorId: actorOf(ctx),
                    reason: signOut ? null : (ctx?.path ?? "sessions_api"),
                    success: true,
                  });
                },
              },
            },
          },
        },
      };
    },
    /** For `emailAndPassword.sendResetPassword`: a reset link went to a real account. */
    resetRequested(userId: string, request: Request | undefined): void {
      trail.record({ type: AuditEventType.PASSWORD_RESET_REQUESTED, userId, success: true, ...requestMeta(request) });
    },
    /** For `emailAndPassword.onPasswordReset`: the account's password was reset with a link. */
    resetCompleted(userId: string, request: Request | undefined): void {
      trail.record({ type: AuditEventType.PASSWORD_RESET_COMPLETED, userId, success: true, ...requestMeta(request) });
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
