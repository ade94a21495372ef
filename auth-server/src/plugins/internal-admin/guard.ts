import { APIError } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { setServiceActor } from "../audit/index.js";
import type { HookContext } from "../hook-context.js";
import { requireSecondFactor } from "../mfa/amr.js";
import { isAdminRole } from "../roles/parse.js";
import { isBanInForce } from "../session-rule/ban.js";
import { type RuleSession, sessionViolation } from "../session-rule/rule.js";
import type { JtiStore } from "./replay.js";
import { bodyHash, SERVICE_TOKEN_HEADER, ServiceTokenError, verifyServiceToken } from "./service-token.js";

/** The user the backend acts for, as loaded after the token passed. */
export interface Actor {
  id: string;
  isAdmin: boolean;
  /** The acting session's stored `amr` (RFC 8176), for the ADMIN_REQUIRE_MFA rule. */
  amr: string | null;
}

/** What the guard needs besides the token's key and jti store. */
export interface GuardOptions {
  key: Uint8Array;
  replay: JtiStore;
  /** ADMIN_REQUIRE_MFA: admin actions need an acting session with a second factor. */
  adminRequireMfa: boolean;
}

export const unauthorized = (): APIError =>
  new APIError("UNAUTHORIZED", {
    code: ErrorCode.UNAUTHORIZED,
    message: "This endpoint takes a valid, unused service token in the Gatehouse-Service-Token header.",
  });

export const forbidden = (message: string): APIError =>
  new APIError("FORBIDDEN", { code: ErrorCode.FORBIDDEN, message });

/**
 * Authenticates a call to the internal admin API and loads its actor, or throws:
 * 401 UNAUTHORIZED when the token is missing, malformed, signed with another key, for another
 * audience, expired, not bound to this method, path and body, or already used (any instance);
 * 403 FORBIDDEN when its subject is not an existing, unbanned user, or its acting session (`sid`)
 * is not one of that user's that the session rule (session-rule/rule.ts) still admits: the backend
 * checked it when the request came in, and it may have ended since. A user's own credentials
 * (cookie, bearer token, JWT) are never looked at: they cannot reach this API.
 */
export async function authenticateService(ctx: HookContext, deps: GuardOptions): Promise<Actor> {
  const request = ctx.request;
  const token = request?.headers.get(SERVICE_TOKEN_HEADER);
  if (!request || !token) throw unauthorized();
  // The endpoint asks better-call for a cloned request, so these are the exact bytes received.
  const body = new Uint8Array(await request.arrayBuffer());
  let claims: Awaited<ReturnType<typeof verifyServiceToken>>;
  try {
    claims = await verifyServiceToken(token, deps.key, {
      method: request.method,
      path: new URL(request.url).pathname,
      bodySha256: bodyHash(body),
    });
  } catch (err) {
    if (err instanceof ServiceTokenError) {
      ctx.context.logger.warn(`internal admin API: ${err.message}`);
      throw unauthorized();
    }
    throw err;
  }
  // Last, so only a request that passed every other check uses up its jti.
  if (!(await deps.replay.claim(claims.jti, claims.exp))) {
    ctx.context.logger.warn("internal admin API: replayed jti");
    throw unauthorized();
  }
  setServiceActor(request, claims.sub);
  const user = (await ctx.context.internalAdapter.findUserById(claims.sub)) as {
    id: string;
    role?: string | null;
    banned?: unknown;
    banExpires?: unknown;
  } | null;
  const now = Date.now();
  if (!user || isBanInForce(user, now)) throw forbidden("The acting user does not exist or is banned.");
  const session = (await ctx.context.adapter.findOne({
    model: "session",
    where: [{ field: "id", value: claims.sid }],
  })) as (RuleSession & { userId: string; amr?: string | null }) | null;
  if (!session || session.userId !== user.id || sessionViolation(session, user, now) !== null)
    throw forbidden("The session this change was asked with has ended.");
  return {
    id: user.id,
    isAdmin: isAdminRole(user.role),
    amr: session.amr ?? null,
  };
}

/**
 * Admin-only actions (roles, bans, verified email): 403 FORBIDDEN without an admin role, 403
 * MFA_REQUIRED under ADMIN_REQUIRE_MFA when the acting session has no second factor (as
 * plugins/mfa refuses better-auth's own /admin/* endpoints).
 */
export function requireAdmin(actor: Actor, options: Pick<GuardOptions, "adminRequireMfa">): void {
  if (!actor.isAdmin) throw forbidden("This action needs an admin role.");
  if (options.adminRequireMfa) requireSecondFactor(actor.amr);
}

/** Actions a user may take on themself, and an admin (as `requireAdmin` admits one) on anyone. */
export function requireSelfOrAdmin(actor: Actor, userId: string, options: Pick<GuardOptions, "adminRequireMfa">): void {
  if (actor.id === userId) return;
  if (!actor.isAdmin) throw forbidden("Only the user themself or an admin may do this.");
  requireAdmin(actor, options);
}
