import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { setResponseHeaders } from "./response-headers.js";

/** The options of Hono's `cors()` that Gatehouse uses; the origin is an explicit list (as there, "*" in it matches only itself). */
export interface ApiCorsOptions {
  origin: string[];
  credentials: boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge: number;
}

/**
 * Hono's `cors()` with the same headers, written after the handler instead of before it.
 *
 * Why: Hono's `cors()` sets its headers on `c.res` before `next()`, which creates a placeholder
 * response; the handler's real response is then cloned into a new one to merge them, and the
 * `Vary` it appends afterwards clones it again. On @hono/node-server each clone turns the body into
 * a ReadableStream, which costs more CPU than a whole `GET /api/auth/me`. Preflights are answered
 * by Hono's `cors()` itself, unchanged.
 */
export function apiCors(options: ApiCorsOptions): MiddlewareHandler {
  const preflight = cors(options);
  const allowed = new Set(options.origin);
  const expose = options.exposeHeaders.join(",");
  return async function apiCorsMiddleware(c, next) {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    await next();
    const origin = c.req.header("origin");
    setResponseHeaders(c, (headers) => {
      headers.append("Vary", "Origin");
      if (origin && allowed.has(origin)) headers.set("Access-Control-Allow-Origin", origin);
      if (options.credentials) headers.set("Access-Control-Allow-Credentials", "true");
      if (expose) headers.set("Access-Control-Expose-Headers", expose);
    });
  };
}
