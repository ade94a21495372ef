import { APIError, createAuthEndpoint } from "better-auth/api";
import { parseUserOutput } from "better-auth/db";
import * as z from "zod";
import { ErrorCode, FIELD_LIMITS } from "../../contract.gen.js";
import type { HookContext } from "../hook-context.js";
import { parseRoleInput } from "../roles/parse.js";
import { zodRange, zodText } from "../user-fields/fields.js";
import { type Actor, authenticateService, type GuardOptions, requireAdmin, requireSelfOrAdmin } from "./guard.js";

/** Where the endpoints live under /api/auth. */
export const INTERNAL_PREFIX = "/internal/admin";

const id = z.string().min(1).max(255);
// The contract's limits (fieldLimits), as better-auth's own endpoints and the backend apply them.
const name = zodText(FIELD_LIMITS.userName);
const image = zodText(FIELD_LIMITS.userImage).nullable();

const BODIES = {
  setRole: z.object({ userId: id, role: z.union([z.string(), z.array(z.string())]) }).strict(),
  banUser: z
    .object({
      userId: id,
      banReason: zodText(FIELD_LIMITS.banReason).nullable().optional(),
      banExpiresIn: zodRange(FIELD_LIMITS.banExpiresInSeconds).nullable().optional(),
    })
    .strict(),
  unbanUser: z.object({ userId: id }).strict(),
  updateUser: z
    .object({
      userId: id,
      data: z
        .object({ name: name.optional(), image: image.optional(), emailVerified: z.boolean().optional() })
        .strict()
        .refine((d) => Object.keys(d).length > 0, "nothing to update"),
    })
    .strict(),
  revokeSession: z.object({ userId: id, sessionId: id }).strict(),
  revokeSessions: z.object({ userId: id }).strict(),
};

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new APIError("BAD_REQUEST", {
    code: ErrorCode.VALIDATION_ERROR,
    message: `${where}${issue?.message ?? "invalid body"}`,
  });
}

const badRequest = (code: ErrorCode, message: string) => new APIError("BAD_REQUEST", { code, message });

async function existingUser(ctx: HookContext, userId: string) {
  const user = await ctx.context.internalAdapter.findUserById(userId);
  if (!user) throw new APIError("NOT_FOUND", { code: ErrorCode.USER_NOT_FOUND, message: "No such user." });
  return user;
}

const userOut = (ctx: HookContext, user: Record<string, unknown>) =>
  parseUserOutput(ctx.context.options, user as Parameters<typeof parseUserOutput>[1]);

/** Ids of a user's session rows (live or not): what a revocation of all of them removes. */
const sessionIdsOf = async (ctx: HookContext, userId: string): Promise<string[]> =>
  (await ctx.context.internalAdapter.listSessions(userId)).map((s) => s.id);

/**
 * The internal admin API's endpoints (contract in README.md beside this file): POST with JSON under
 * /api/auth/internal/admin/. Each one authenticates the service token before reading anything,
 * re-checks what the acting user may do, and changes state only through better-auth's internal
 * adapter, so database hooks (audit, ban revocation), secondary storage and the feed triggers
 * run exactly as for better-auth's own endpoints.
 */
export function internalAdminEndpoints(deps: GuardOptions) {
  const endpoint = <T extends Record<string, unknown>>(
    path: string,
    run: (ctx: HookContext, actor: Actor) => Promise<T>,
  ) =>
    createAuthEndpoint(
      `${INTERNAL_PREFIX}/${path}`,
      // cloneRequest: better-call parses a copy, so the guard can hash the exact bytes received.
      { method: "POST", cloneRequest: true, requireHeaders: true, metadata: { isAction: false } },
      async (ctx) => {
        const actor = await authenticateService(ctx as unknown as HookContext, deps);
        return ctx.json(await run(ctx as unknown as HookContext, actor));
      },
    );

  return {
    internalSetRole: endpoint("set-role", async (ctx, actor) => {
      const body = parse(BODIES.setRole, ctx.body);
      requireAdmin(actor, deps);
      const role = parseRoleInput(body.role);
      if (role === null) throw badRequest(ErrorCode.INVALID_ROLE, "The role is not one of the configured roles.");
      if (body.userId === actor.id)
        throw badRequest(ErrorCode.CANNOT_CHANGE_OWN_ROLE, "You cannot change your own role.");
      await existingUser(ctx, body.userId);
      const user = await ctx.context.internalAdapter.updateUser(body.userId, { role });
      return { user: userOut(ctx, user) };
    }),

    internalBanUser: endpoint("ban-user", async (ctx, actor) => {
      const body = parse(BODIES.banUser, ctx.body);
      requireAdmin(actor, deps);
      if (body.userId === actor.id) throw badRequest(ErrorCode.CANNOT_BAN_SELF, "You cannot ban yourself.");
      await existingUser(ctx, body.userId);
      const revokedSessionIds = await sessionIdsOf(ctx, body.userId);
      const user = await ctx.context.internalAdapter.updateUser(body.userId, {
        banned: true,
        banReason: body.banReason ?? null,
        banExpires: body.banExpiresIn ? new Date(Date.now() + body.banExpiresIn * 1000) : null,
        updatedAt: new Date(),
      });
      await ctx.context.internalAdapter.deleteUserSessions(body.userId);
      return { user: userOut(ctx, user), revokedSessionIds };
    }),

    internalUnbanUser: endpoint("unban-user", async (ctx, actor) => {
      const body = parse(BODIES.unbanUser, ctx.body);
      requireAdmin(actor, deps);
      await existingUser(ctx, body.userId);
      const user = await ctx.context.internalAdapter.updateUser(body.userId, {
        banned: false,
        banReason: null,
        banExpires: null,
        updatedAt: new Date(),
      });
      return { user: userOut(ctx, user) };
    }),

    internalUpdateUser: endpoint("update-user", async (ctx, actor) => {
      const body = parse(BODIES.updateUser, ctx.body);
      if (body.data.emailVerified !== undefined) requireAdmin(actor, deps);
      else requireSelfOrAdmin(actor, body.userId, deps);
      await existingUser(ctx, body.userId);
      const user = await ctx.context.internalAdapter.updateUser(body.userId, { ...body.data, updatedAt: new Date() });
      return { user: userOut(ctx, user) };
    }),

    internalRevokeSession: endpoint("revoke-session", async (ctx, actor) => {
      const body = parse(BODIES.revokeSession, ctx.body);
      requireSelfOrAdmin(actor, body.userId, deps);
      const session = (await ctx.context.internalAdapter.listSessions(body.userId)).find(
        (s) => s.id === body.sessionId,
      );
      // Another user's session and one that does not exist look the same.
      if (!session) throw new APIError("NOT_FOUND", { code: ErrorCode.SESSION_NOT_FOUND, message: "No such session." });
      await ctx.context.internalAdapter.deleteSession(session.token);
      return { revokedSessionIds: [session.id] };
    }),

    internalRevokeSessions: endpoint("revoke-sessions", async (ctx, actor) => {
      const body = parse(BODIES.revokeSessions, ctx.body);
      requireSelfOrAdmin(actor, body.userId, deps);
      const revokedSessionIds = await sessionIdsOf(ctx, body.userId);
      await ctx.context.internalAdapter.deleteUserSessions(body.userId);
      return { revokedSessionIds };
    }),
  };
}
