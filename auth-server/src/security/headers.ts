import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers for a JSON API that is never rendered as a page: nothing may load, nothing
 * may frame it, no referrer leaves it. HSTS only when the public URL is HTTPS (a browser would
 * otherwise pin plain-HTTP localhost). The reference page (/api/auth/reference) loads its own
 * script from better-auth, so it gets a CSP that allows exactly that.
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
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
      styleSrc: ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net", "https://fonts.googleapis.com"],
      fontSrc: ["'self'", "https://fonts.gstatic.com", "https://cdn.jsdelivr.net"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
    },
    strictTransportSecurity: https ? "max-age=31536000; includeSubDomains" : false,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    removePoweredBy: true,
  });
  return async function securityHeadersMiddleware(c, next) {
    if (c.req.path === "/api/auth/reference") return reference(c, next);
    return api(c, next);
  };
}

/** Auth answers can carry a session, a token or personal data: no cache may keep them. */
export const noStore: MiddlewareHandler = async function noStore(c, next) {
  await next();
  c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("Pragma", "no-cache");
};
