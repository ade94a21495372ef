import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { bodyOf, errorOf, type HookContext, requestMeta } from "../hook-context.js";
import { serviceActorOf } from "./actor.js";
import { ADMIN_ACTIONS } from "./admin-actions.js";
import { isHandOver, isReplacedBy, noteCreated, revocationCause } from "./causes.js";
import { mailedLinks } from "./mailed-links.js";
import { type AuditEvent, AuditEventType, type AuditTrail } from "./trail.js";
import { userChangeEvents } from "./user-changes.js";

export { serviceActorOf, setServiceActor } from "./actor.js";
export { announceRevocation, type RevocationCause } from "./causes.js";
export { type AuditEvent, AuditEventType, AuditTrail } from "./trail.js";

/** A hook context, or the endpoint context better-auth hands to database hooks (null outside one). */
type AnyContext = Pick<HookContext, "context" | "request" | "path"> | null | undefined;

/** Who is acting: the internal API's service actor, else the signed-in user of the request. */
export function actorOf(ctx: AnyContext): string | null {
  return serviceActorOf(ctx?.request) ?? ctx?.context?.session?.user.id ?? null;
}

/**
 * The admin behind an impersonation session that deletes itself (stop-impersonating, or signing
 * out while impersonating): the request acts as the impersonated user, but the user did nothing.
 */
function impersonatorOf(session: { id: string }, ctx: AnyContext): string | null {
  const by = (session as { impersonatedBy?: string | null }).impersonatedBy;
  return by && ctx?.context?.session?.session.id === session.id ? by : null;
}

/** The actor when it is someone other than `userId` (an admin), else null. */
const otherActor = (ctx: AnyContext, userId: string): string | null => {
  const actor = actorOf(ctx);
  return actor && actor !== userId ? actor : null;
};

/** Paths of the provider callbacks (the route patterns, `:id` being the provider). */
const CALLBACK_PATHS = new Set(["/callback/:id", "/oauth2/callback/:id"]);
const MAX_EMAIL = 320;

/**
 * The audit trail as a better-auth plugin: every row in `auth_events` the auth server writes comes
 * from here, each with `details` for people reading the log. Request-level actions are after
 * hooks matched by path; changes that can happen on many paths (users updated, created or
 * deleted, sessions deleted, accounts linked) are database hooks, so no endpoint can forget them.
 * `resetRequested` / `resetCompleted` serve better-auth's password-reset callbacks, the only
 * places that know whose reset it is.
 */
export function audit(trail: AuditTrail) {
  const record = (ctx: AnyContext, e: AuditEvent): void => trail.record({ ...requestMeta(ctx?.request), ...e });
  // Links mailed during a request: recorded after it, with the admin who asked (mailed-links.ts).
  const resets = mailedLinks(AuditEventType.PASSWORD_RESET_REQUESTED);
  const verifications = mailedLinks(AuditEventType.VERIFICATION_EMAIL_SENT);
  let authContext: AuthContext | null = null;
  const changes = userChangeEvents(
    (ctx) => ctx?.context?.internalAdapter ?? (authContext as AuthContext).internalAdapter,
  );

  type DeletedSession = { id: string; userId: string };
  type DeleteContext = (Pick<HookContext, "context" | "request" | "path" | "body"> & {}) | null | undefined;
  /** The row of a deleted session: a sign-out, or a revocation with its cause. */
  const writeRevoked = (session: DeletedSession, ctx: DeleteContext): void => {
    const actorId = impersonatorOf(session, ctx) ?? actorOf(ctx);
    if (ctx?.path === "/sign-out") {
      record(ctx, {
        type: AuditEventType.SIGN_OUT,
        userId: session.userId,
        sessionId: session.id,
        actorId,
        success: true,
      });
      return;
    }
    record(ctx, {
      type: AuditEventType.SESSION_REVOKED,
      userId: session.userId,
      sessionId: session.id,
      actorId,
      reason: ctx?.path ?? "sessions_api",
      success: true,
      details: { cause: revocationCause(session, ctx, actorId) },
    });
  };
  /** Rows about a request's own deleted session, held until the request answers (by request). */
  const heldOwn = new WeakMap<Request, { session: DeletedSession; write: () => void }[]>();

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
        // The rows held for a request's own deleted session: none when the request created its
        // successor (a hand-over), else written now. get-session deletes only an expired session,
        // whose row is never held, and a hook matching it would keep the fast get-session off.
        afterPath(
          (p) => p !== "/get-session",
          (ctx) => {
            const request = ctx.request;
            const held = request && heldOwn.get(request);
            if (!request || !held) return;
            heldOwn.delete(request);
            for (const { session, write } of held) if (!isReplacedBy(session, request)) write();
          },
        ),
        afterPath("/sign-in/email", async (ctx) => {
          const email = bodyOf(ctx).email;
          if (typeof email !== "string") return;
          const err = errorOf(ctx.context.returned);
          if (!err) {
            const s = ctx.context.newSession;
            // No session yet: a two-factor challenge; the code step records the sign-in (plugins/mfa).
            if (!s) return;
            record(ctx, {
              type: AuditEventType.SIGN_IN,
              userId: s?.user.id,
              sessionId: s?.session.id,
              success: true,
              details: { method: "password" },
            });
            return;
          }
          if (err.code === ErrorCode.RATE_LIMITED) return;
          // Attempts against an existing account appear in that user's trail (admins only read it);
          // an address longer than any account's is still recorded, cut to the longest possible.
          const tried = email.toLowerCase();
          const owner = tried.length <= MAX_EMAIL ? await ctx.context.internalAdapter.findUserByEmail(tried) : null;
          record(ctx, {
            type: AuditEventType.SIGN_IN_FAILED,
            userId: owner?.user.id ?? null,
            success: false,
            reason: err.code,
            details: { email: tried.slice(0, MAX_EMAIL) },
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
              details: { method: `oauth:${provider}` },
            });
          },
        ),
        afterPath("/verify-email", (ctx) => {
          if (errorOf(ctx.context.returned)) return;
          const s = ctx.context.newSession ?? ctx.context.session ?? null;
          const email = s?.user.email ?? null;
          record(ctx, {
            type: AuditEventType.EMAIL_VERIFIED,
            userId: s?.user.id ?? null,
            success: true,
            details: { email },
          });
          // Verifying signs the person in: that session's start belongs in the trail too.
          const n = ctx.context.newSession;
          if (n) {
            record(ctx, {
              type: AuditEventType.SIGN_IN,
              userId: n.user.id,
              sessionId: n.session.id,
              success: true,
              reason: "email_verification",
              details: { method: "email_verification" },
            });
          }
        }),
        afterPath("/change-password", (ctx) => {
          if (errorOf(ctx.context.returned)) return;
          record(ctx, { type: AuditEventType.PASSWORD_CHANGED, userId: ctx.context.session?.user.id, success: true });
        }),
        afterPath("/change-email", (ctx) => {
          const s = ctx.context.session;
          const to = bodyOf(ctx).newEmail;
          if (errorOf(ctx.context.returned) || !s || typeof to !== "string") return;
          record(ctx, {
            type: AuditEventType.EMAIL_CHANGE_REQUESTED,
            userId: s.user.id,
            success: true,
            details: { from: s.user.email, to: to.toLowerCase().slice(0, MAX_EMAIL) },
          });
        }),
        afterPath("/request-password-reset", (ctx) => resets.recordAfter(ctx, (e) => record(ctx, e))),
        // A verification link sent again (the sign-up's own link is part of the sign-up).
        // An admin's "send the verification link again" is the same row, naming the admin (plugins/admin-verification).
        afterPath(
          (p) => p === "/send-verification-email" || p === "/admin/send-verification-email",
          (ctx) => verifications.recordAfter(ctx, (e) => record(ctx, e)),
        ),
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
    init(ctx: AuthContext) {
      authContext = ctx;
      return {
        options: {
          databaseHooks: {
            account: {
              // Provider identities joining or leaving an account; the password ("credential") is not one.
              create: {
                after: async (account, ctx) => {
                  if (account.providerId === "credential") return;
                  const provider = account.providerId;
                  record(ctx, {
                    type: AuditEventType.OAUTH_LINKED,
                    userId: account.userId,
                    success: true,
                    reason: provider,
                    details: { provider },
                  });
                },
              },
              delete: {
                after: async (account, ctx) => {
                  if (account.providerId === "credential") return;
                  const provider = account.providerId;
                  record(ctx, {
                    type: AuditEventType.OAUTH_UNLINKED,
                    userId: account.userId,
                    success: true,
                    reason: provider,
                    details: { provider },
                  });
                },
              },
            },
            user: {
              create: {
                after: async (user, ctx) => {
                  if (ctx?.path === "/admin/create-user") {
                    record(ctx, {
                      type: AuditEventType.USER_CREATED,
                      userId: user.id,
                      actorId: otherActor(ctx, user.id),
                      success: true,
                      details: {
                        email: user.email,
                        role: ((user as { role?: string | null }).role ?? null) as string | null,
                        invited: !bodyOf(ctx).password,
                      },
                    });
                    return;
                  }
                  record(ctx, {
                    type: AuditEventType.SIGN_UP,
                    userId: user.id,
                    actorId: otherActor(ctx, user.id),
                    success: true,
                  });
                },
              },
              update: {
                before: async (data, ctx) => {
                  await changes.before(data, ctx);
                  return undefined;
                },
                after: async (user, ctx) => {
                  if (!user) return;
                  for (const e of changes.after(user, ctx, otherActor(ctx, user.id))) record(ctx, e);
                },
              },
              delete: {
                // Self-service deletion and an admin's removal alike; the row is gone, so say who it was.
                after: async (user, ctx) => {
                  record(ctx, {
                    type: AuditEventType.USER_DELETED,
                    userId: user.id,
                    actorId: otherActor(ctx, user.id),
                    success: true,
                    details: { email: user.email, name: user.name },
                  });
                },
              },
            },
            session: {
              create: {
                after: async (session, ctx) => {
                  noteCreated(session, ctx);
                },
              },
              delete: {
                // Every session the auth server deletes, for whatever reason, leaves an audit row.
                after: async (session, ctx) => {
                  // A session handed over to another in the same request was not revoked (causes.ts).
                  if (isHandOver(session, ctx)) return;
                  const write = () => writeRevoked(session, ctx as DeleteContext);
                  // The request's own session may be deleted before its successor is created: its
                  // row waits for the request's answer, which knows whether one was.
                  const request = ctx?.request;
                  if (request && ctx?.path !== "/get-session" && ctx?.context?.session?.session.id === session.id) {
                    const held = heldOwn.get(request) ?? [];
                    held.push({ session, write });
                    heldOwn.set(request, held);
                    return;
                  }
                  write();
                },
              },
            },
          },
        },
      };
    },
    /** For `emailAndPassword.sendResetPassword`: a reset link went to a real account. */
    resetRequested(userId: string, request: Request | undefined): void {
      if (request) resets.note(request, userId);
      else trail.record({ type: AuditEventType.PASSWORD_RESET_REQUESTED, userId, success: true });
    },
    /** For `emailVerification.sendVerificationEmail`: a verification link went to the account's address. */
    verificationMailed(userId: string, request: Request | undefined): void {
      if (request) verifications.note(request, userId);
    },
    /** For `emailAndPassword.onPasswordReset`: the account's password was reset with a link. */
    resetCompleted(userId: string, request: Request | undefined): void {
      trail.record({ type: AuditEventType.PASSWORD_RESET_COMPLETED, userId, success: true, ...requestMeta(request) });
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
