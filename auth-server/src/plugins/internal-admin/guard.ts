import { APIError } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { setServiceActor } from "../audit/index.js";
import type { HookContext } from "../hook-context.js";
import { isAdminRole } from "../roles/parse.js";
import { isBanInForce } from "../session-rule/ban.js";
import type { JtiStore } from "./replay.js";
import { bodyHash, SERVICE_TOKEN_HEADER, ServiceTokenError, verifyServiceToken } from "./service-token.js";

/** The user the backend acts for, as loaded after the token passed. */
export interface Actor {
  id: string;
  isAdmin: boolean;
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
 * 403 FORBIDDEN when its subject is not an existing, unbanned user. A user's own credentials
 * (cookie, bearer token, JWT) are never looked at: they cannot reach this API.
 */
export async function authenticateService(
  ctx: HookContext,
  deps: { key: Uint8Array; replay: JtiStore },
): Promise<Actor> {
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
  if (!user || isBanInForce(user, Date.now())) throw forbidden("The acting user does not exist or is banned.");
  return { id: user.id, isAdmin: isAdminRole(user.role) };
}

/** Admin-only actions (roles, bans, verified email). */
export function requireAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw forbidden("This action needs an admin role.");
}

/** Actions a user may take on themself and an admin on anyone. */
export function requireSelfOrAdmin(actor: Actor, userId: string): void {
  if (actor.id !== userId && !actor.isAdmin) throw forbidden("Only the user themself or an admin may do this.");
}
