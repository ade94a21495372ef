import { Hono } from "hono";
import type { Logger } from "../logger.js";
import { enabledProviders, type OAuthSettings } from "./config.js";
import { callbackErrorCode, isOAuthErrorCode, type OAuthErrorCode } from "./error-codes.js";
import { type ProfileProbe, withProfileProbe } from "./profile-probe.js";

/** What the callback route needs from the rest of the server. */
export interface OAuthRouteDeps {
  /** better-auth's fetch handler. */
  handler: (request: Request) => Promise<Response>;
  env: OAuthSettings & { BETTER_AUTH_URL: string; FRONTEND_URL: string; CORS_ORIGINS: string[] };
  logger: Logger;
}

const CALLBACK_PREFIX = "/api/auth/callback/";

/**
 * Public OAuth routes, mounted before the better-auth catch-all:
 *
 * - `GET /api/auth/providers`: the enabled providers (`[{ id, name, type }]`) for the sign-in buttons.
 * - `GET|POST /api/auth/callback/:id`: better-auth's callback, with every failure turned into a
 *   redirect to the web app carrying one stable code (`?error=<CODE>`, see error-codes.ts).
 */
export function oauthRoutes({ handler, env, logger }: OAuthRouteDeps): Hono {
  const app = new Hono();
  const providers = enabledProviders(env);
  const frontend = env.FRONTEND_URL.replace(/\/$/, "");
  const trustedOrigins = new Set([new URL(env.FRONTEND_URL).origin, ...env.CORS_ORIGINS.map(originOf)]);
  const ownCallback = new URL(CALLBACK_PREFIX, env.BETTER_AUTH_URL);

  app.get("/api/auth/providers", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(providers);
  });

  app.on(["GET", "POST"], `${CALLBACK_PREFIX}:id`, async (c) => {
    const probe: ProfileProbe = {};
    let res: Response;
    try {
      res = await withProfileProbe(probe, () => handler(c.req.raw));
    } catch (err) {
      logger.error({ err, provider: c.req.param("id") }, "oauth callback threw");
      return errorRedirect(`${frontend}/sign-in`, "OAUTH_FAILED");
    }
    const location = res.headers.get("Location");
    if (res.status >= 300 && res.status < 400 && location) {
      const target = new URL(location, env.BETTER_AUTH_URL);
      const error = target.searchParams.get("error");
      // Success, or better-auth turning a form_post callback into a GET of itself.
      if (error === null || isOwnCallback(target)) return res;
      const code = callbackErrorCode(error, probe.emailVerified);
      logger.warn({ provider: c.req.param("id"), error, code }, "oauth callback refused");
      // A per-flow error page chosen by the web app (e.g. the account page for a link) is kept
      // when it is on one of our origins; anything else (better-auth's own /error) goes to sign-in.
      const base = trustedOrigins.has(target.origin) ? target : new URL(`${frontend}/sign-in`);
      return errorRedirect(base.toString(), code, res.headers);
    }
    if (res.status >= 400) {
      // Our hooks (issuer guard) and better-auth's validation answer with JSON errors here.
      const body = (await res.json().catch(() => null)) as { code?: unknown } | null;
      const raw = typeof body?.code === "string" ? body.code : "";
      const code = isOAuthErrorCode(raw) ? raw : callbackErrorCode(raw.toLowerCase(), probe.emailVerified);
      if (res.status >= 500)
        logger.error({ provider: c.req.param("id"), status: res.status, code }, "oauth callback failed");
      else logger.warn({ provider: c.req.param("id"), status: res.status, code }, "oauth callback refused");
      return errorRedirect(`${frontend}/sign-in`, code, res.headers);
    }
    return res;
  });

  function isOwnCallback(url: URL): boolean {
    return url.origin === ownCallback.origin && url.pathname.startsWith(ownCallback.pathname);
  }

  return app;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * 302 to `base` with `error=<code>`. Any `error_description` is dropped: it may have been written by
 * whoever sent the browser here. Cookies better-auth set (the expired state cookie) are kept.
 */
function errorRedirect(base: string, code: OAuthErrorCode, from?: Headers): Response {
  const url = new URL(base);
  url.searchParams.delete("error_description");
  url.searchParams.set("error", code);
  const headers = new Headers({ Location: url.toString(), "Cache-Control": "no-store" });
  for (const cookie of from?.getSetCookie() ?? []) headers.append("Set-Cookie", cookie);
  return new Response(null, { status: 302, headers });
}
