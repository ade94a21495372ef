import type { MiddlewareHandler } from "hono";
import { setResponseHeaders } from "./response-headers.js";

/**
 * The ids both services keep from a caller: short and plain, so a log line cannot be forged or
 * bloated through them. The same rule as the backend's (app/core/logging.py), so one id survives
 * web → auth → backend unchanged.
 */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's X-Request-ID when it is safe, makes one otherwise, and returns it. */
export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header("X-Request-ID");
    const id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    setResponseHeaders(c, (headers) => headers.set("X-Request-ID", id));
  };
}
