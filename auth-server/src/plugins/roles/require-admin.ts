import { APIError } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import type { HookContext } from "../hook-context.js";
import { isAdminRole } from "./parse.js";

/**
 * The id of the admin behind an endpoint's session (set by better-auth's `sessionMiddleware`).
 * Throws 401 UNAUTHORIZED without a session and 403 FORBIDDEN when its user holds no admin role
 * (an impersonation session is the impersonated user's, so it is refused too).
 */
export async function requireAdminSession(ctx: HookContext): Promise<string> {
  const session = ctx.context.session;
  if (!session) throw new APIError("UNAUTHORIZED", { code: ErrorCode.UNAUTHORIZED, message: "Sign in first." });
  if (!isAdminRole((session.user as { role?: string | null }).role)) {
    throw new APIError("FORBIDDEN", { code: ErrorCode.FORBIDDEN, message: "Only administrators may do this." });
  }
  return session.user.id;
}
