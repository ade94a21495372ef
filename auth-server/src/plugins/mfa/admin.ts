import { APIError, createAuthEndpoint, sessionMiddleware } from "better-auth/api";
import * as z from "zod";
import { AuditEventType, ErrorCode } from "../../contract.gen.js";
import { type Mailer, secondFactorResetMail } from "../../email/index.js";
import type { AuditTrail } from "../audit/trail.js";
import { type HookContext, requestMeta } from "../hook-context.js";
import { requireAdminSession } from "../roles/require-admin.js";
import type { UsedCodes } from "./used-codes.js";

/** What an admin sees of a user's second factors (never a secret). */
export interface SecondFactorStatus {
  userId: string;
  /** TOTP confirmed and on (better-auth `user.twoFactorEnabled`). */
  totpEnabled: boolean;
  /** Backup codes left unused (0 without TOTP). */
  backupCodesLeft: number;
  passkeys: number;
}

const userIdSchema = z.string().min(1).max(255);

async function statusOf(ctx: HookContext, userId: string): Promise<SecondFactorStatus> {
  const user = await ctx.context.internalAdapter.findUserById(userId);
  if (!user) throw new APIError("NOT_FOUND", { code: ErrorCode.USER_NOT_FOUND, message: "No such user." });
  const row = (await ctx.context.adapter.findOne({
    model: "twoFactor",
    where: [{ field: "userId", value: userId }],
  })) as { backupCodes?: string; verified?: boolean } | null;
  let left = 0;
  try {
    left = row && row.verified !== false ? (JSON.parse(row.backupCodes ?? "[]") as unknown[]).length : 0;
  } catch {
    left = 0;
  }
  const passkeys = await ctx.context.adapter.count({ model: "passkey", where: [{ field: "userId", value: userId }] });
  return {
    userId,
    totpEnabled: Boolean((user as { twoFactorEnabled?: boolean | null }).twoFactorEnabled),
    backupCodesLeft: left,
    passkeys,
  };
}

/**
 * Admin endpoints for the recovery path (docs: lost authenticator → backup code → admin reset):
 * - GET  /admin/second-factor?userId=…        → SecondFactorStatus
 * - POST /admin/reset-second-factor {userId}  → SecondFactorStatus (all off); audited as
 *   second_factor_reset with the admin as actor, and the user is mailed.
 * Both need an admin session (and, with ADMIN_REQUIRE_MFA, one with a second factor: mfa.ts).
 */
export function secondFactorAdminEndpoints(deps: {
  trail: AuditTrail;
  mailer: Mailer;
  frontendUrl: string;
  usedCodes: UsedCodes;
}) {
  return {
    secondFactorStatus: createAuthEndpoint(
      "/admin/second-factor",
      { method: "GET", use: [sessionMiddleware], query: z.object({ userId: userIdSchema }) },
      async (ctx) => {
        await requireAdminSession(ctx as unknown as HookContext);
        return ctx.json(await statusOf(ctx as unknown as HookContext, ctx.query.userId));
      },
    ),
    resetSecondFactor: createAuthEndpoint(
      "/admin/reset-second-factor",
      { method: "POST", use: [sessionMiddleware], body: z.object({ userId: userIdSchema }).strict() },
      async (ctx) => {
        const c = ctx as unknown as HookContext;
        const adminId = await requireAdminSession(c);
        const { userId } = ctx.body;
        const user = await ctx.context.internalAdapter.findUserById(userId);
        if (!user) throw new APIError("NOT_FOUND", { code: ErrorCode.USER_NOT_FOUND, message: "No such user." });
        await ctx.context.adapter.deleteMany({ model: "twoFactor", where: [{ field: "userId", value: userId }] });
        await ctx.context.adapter.deleteMany({ model: "passkey", where: [{ field: "userId", value: userId }] });
        await ctx.context.internalAdapter.updateUser(userId, { twoFactorEnabled: false });
        await deps.usedCodes.forget(userId);
        deps.trail.record({
          type: AuditEventType.SECOND_FACTOR_RESET,
          userId,
          actorId: adminId,
          success: true,
          ...requestMeta(ctx.request),
        });
        const securityUrl = `${deps.frontendUrl.replace(/\/$/, "")}/account/security`;
        await deps.mailer.send(secondFactorResetMail(user.email, user.name, securityUrl));
        return ctx.json(await statusOf(c, userId));
      },
    ),
  };
}
