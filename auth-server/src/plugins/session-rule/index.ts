import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { bodyOf, type HookContext } from "../hook-context.js";
import { isBanFlagSet, isBanInForce } from "./ban.js";
import { guardSessionLookups, type OnViolation } from "./guarded-adapter.js";

export { isBanFlagSet, isBanInForce } from "./ban.js";
export { type SessionViolation, sessionViolation } from "./rule.js";

type InternalAdapter = AuthContext["internalAdapter"];

/** Admin endpoints whose body carries user fields (`data`) that may set a ban. */
const USER_DATA_PATHS = new Set(["/admin/update-user", "/admin/create-user"]);

/**
 * The session rule as a better-auth plugin (rule.ts says what the rule is):
 *
 * - every endpoint resolves sessions through lookups that apply the rule (a before hook hands
 *   the endpoint a guarded internal adapter, better-auth's way for a hook to change the context
 *   an endpoint runs with), so no path can answer for a banned, over-age or expired session;
 * - `banned` is written as a boolean whatever form a caller sent (`1`, `"true"`), on the
 *   endpoint body before better-auth's own checks (`banned === true` guards self-bans and
 *   revocation) and again in the database hook every other writer passes through;
 * - a ban that comes into force through any better-auth path revokes the user's sessions in the
 *   database and in Redis (the database triggers of migration 0007 do the same for SQL writers).
 */
export function sessionRule(options: { onViolation?: OnViolation } = {}) {
  const onViolation: OnViolation = options.onViolation ?? (() => {});
  const guarded = new WeakMap<InternalAdapter, ReturnType<typeof guardSessionLookups>>();
  const guardedFor = (adapter: InternalAdapter) => {
    let g = guarded.get(adapter);
    if (!g) {
      g = guardSessionLookups(adapter, onViolation);
      guarded.set(adapter, g);
    }
    return g;
  };
  const normalised = (data: Record<string, unknown>): Record<string, unknown> =>
    "banned" in data && typeof data.banned !== "boolean" ? { ...data, banned: isBanFlagSet(data.banned) } : data;

  return {
    id: "gatehouse-session-rule",
    hooks: {
      before: [
        {
          matcher: () => true,
          handler: createAuthMiddleware(async (ctx) => ({
            context: { context: { internalAdapter: guardedFor(ctx.context.internalAdapter) } },
          })),
        },
        {
          matcher: (ctx) => USER_DATA_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const data = bodyOf(ctx).data;
            if (!data || typeof data !== "object" || !("banned" in data)) return;
            return { context: { body: { ...bodyOf(ctx), data: normalised(data as Record<string, unknown>) } } };
          }),
        },
      ],
    },
    init(authContext: AuthContext) {
      // Read at call time: better-auth replaces `internalAdapter` after the plugins' init.
      const adapterOf = (ctx: HookContext | null | undefined): InternalAdapter =>
        ctx?.context?.internalAdapter ?? authContext.internalAdapter;
      return {
        options: {
          databaseHooks: {
            user: {
              create: { before: async (user) => ({ data: normalised(user) }) },
              update: {
                before: async (data, ctx) => {
                  if (!("banned" in data) || !isBanFlagSet(data.banned)) return { data: normalised(data) };
                  // Revoked before the ban is written, through the adapter, so each session's
                  // audit row and Redis copy go with it (the trigger would only clear the rows).
                  const userId = bodyOf(ctx ?? {}).userId;
                  if (typeof userId === "string") await adapterOf(ctx).deleteUserSessions(userId);
                  return { data: normalised(data) };
                },
                after: async (user, ctx) => {
                  // Whatever raced in between: sessions of a user under a ban do not survive.
                  if (user && isBanInForce(user as { banned?: unknown; banExpires?: unknown }, Date.now()))
                    await adapterOf(ctx).deleteUserSessions(user.id);
                },
              },
            },
          },
        },
      };
    },
  } satisfies BetterAuthPlugin;
}
