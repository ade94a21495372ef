import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { setResponseHeaders } from "../middleware/response-headers.js";
import { REFERENCE_PATH } from "../routes/api-reference.js";

/**
 * Security headers for a JSON API that is never rendered as a page: nothing may load, nothing
 * may frame it, no referrer leaves it. HSTS only when the public URL is HTTPS (a browser would
 * otherwise pin plain-HTTP localhost). The API reference viewer (/api/auth/reference and its
 * assets) is a page, so it gets a CSP that lets it load its own files from this server and nothing
 * from anywhere else. It has no inline script; Swagger UI styles elements through the DOM (CSSOM),
 * which CSP does not govern, so styles need no 'unsafe-inline' either.
 */
export function securityHeaders(https: boolean): MiddlewareHandler {
  const api = secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    strictTransportSecurity: https ? "max-age=31536000; includeSubDomains" : false,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-site",
    removePoweredBy: true,
  });
  const reference = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      fontSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
    strictTransportSecurity: https ? "max-age=31536000; includeSubDomains" : false,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    removePoweredBy: true,
  });
  return async function securityHeadersMiddleware(c, next) {
    const path = c.req.path;
    if (path === REFERENCE_PATH || path.startsWith(`${REFERENCE_PATH}/`)) return reference(c, next);
    return api(c, next);
  };
}

/** Auth answers can carry a session, a token or personal data: no cache may keep them. */
export const noStore: MiddlewareHandler = async function noStore(c, next) {
  await next();
  setResponseHeaders(c, (headers) => {
    headers.set("Cache-Control", "no-store");
    headers.set("Pragma", "no-cache");
  });
};
