import { APIError, originCheckMiddleware } from "better-auth/api";
import type { MiddlewareHandler } from "hono";
import type { Auth } from "../auth.js";
import { type ErrorBody, ErrorCode } from "../errors.js";

/** Methods better-auth's origin check lets through (it returns at once for these). */
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * better-auth's own origin check (`originCheckMiddleware`, the router middleware every better-auth
 * endpoint runs) applied to the routes Gatehouse serves itself with Hono, so a state-changing
 * request meets the same rule wherever it lands: with a cookie, the `Origin` (or `Referer`) must be
 * one of better-auth's trusted origins (`trustedOrigins` plus the server's own), else 403
 * INVALID_ORIGIN, or MISSING_OR_NULL_ORIGIN when there is none; without a cookie there is no
 * ambient credential to misuse and the request passes, as it does on better-auth's endpoints.
 * Safe methods pass untouched. Bodies are not read here: no Gatehouse route takes a redirect
 * target, and better-auth checks those in its own endpoints.
 *
 * Mounted for every path before any route, so a route added later is covered without a line of
 * its own; better-auth's endpoints behind the catch-all run the same check again (same answer).
 */
export function betterAuthOriginCheck(auth: Auth): MiddlewareHandler {
  return async function betterAuthOriginCheckMiddleware(c, next) {
    if (SAFE.has(c.req.method)) return next();
    const context = await auth.$context;
    try {
      await originCheckMiddleware({
        request: c.req.raw,
        headers: c.req.raw.headers,
        method: c.req.method,
        path: c.req.path,
        context,
      } as unknown as Parameters<typeof originCheckMiddleware>[0]);
    } catch (err) {
      if (!(err instanceof APIError)) throw err;
      const body = err.body as Partial<ErrorBody> | undefined;
      return c.json<ErrorBody>(
        { code: body?.code ?? ErrorCode.INVALID_ORIGIN, message: body?.message ?? "Invalid origin." },
        err.statusCode as 403,
      );
    }
    return next();
  };
}
