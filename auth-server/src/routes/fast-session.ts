import type { AuthContext } from "better-auth";
import { Hono } from "hono";
import type { Auth } from "../auth.js";
import type { Database } from "../db/database.js";
import { sessionViolation } from "../plugins/session-rule/index.js";
import { type CredentialConfig, credentialFromRequest } from "./fast-session/credential.js";
import { getSessionIneligibility, pluginOptions } from "./fast-session/eligibility.js";
import { createSessionLookup, type FoundSession, lookupPlan, type SessionStore } from "./fast-session/lookup.js";
import { outputFilter } from "./fast-session/output.js";
import { type MeSource, meAnswer } from "./session-view.js";

export { unsignToken } from "./fast-session/credential.js";

/**
 * The fast path of `GET /api/auth/get-session` and `GET /api/auth/me`: one indexed query (or
 * better-auth's Redis copy) instead of a pass through better-auth's endpoint machinery (context,
 * hooks, adapter transforms), which costs ~10× more per request.
 *
 * It answers only the common case it can prove equal to better-auth's get-session under the
 * session rule (plugins/session-rule): a well-formed credential (cookie, or Bearer as the bearer
 * plugin reads it), a session better-auth's `findSession` would return from the same store, that
 * the rule lets through (not expired, user not under a ban in any stored form, not an
 * impersonation past its lifetime) and that is not due for its `updateAge` refresh (unless a
 * valid don't-remember cookie or `disableRefresh` says better-auth would not refresh it). The
 * answer is built with better-auth's own output filters. Everything else — no or bad credential,
 * an unknown session, a refusal, a refresh with its Set-Cookie, a cookie-cache cookie, any query
 * but `disableRefresh`/`disableCookieCache` — falls through to better-auth, so a different
 * answer is never given, only the same one sooner. eligibility.ts turns get-session's fast path
 * off entirely when the configuration holds something it does not reproduce.
 */
interface FastSessionConfig extends CredentialConfig {
  expiresInS: number;
  updateAgeS: number;
  /** better-auth never refreshes on GET (`disableSessionRefresh` or `deferSessionRefresh`). */
  refreshDisabled: boolean;
  /** better-auth's `parseSessionOutput` / `parseUserOutput` for this instance (see output.ts). */
  sessionOutput: (session: Record<string, unknown>) => Record<string, unknown>;
  userOutput: (user: Record<string, unknown>) => Record<string, unknown>;
  lookup: (token: string) => Promise<FoundSession | undefined>;
  /** Why get-session is left to better-auth entirely (null: the fast path may answer it). */
  getSessionOff: string | null;
}

async function fastSessionConfig(deps: FastSessionDeps): Promise<FastSessionConfig | null> {
  // Read through the general types: the instance's own only know the keys auth.ts sets.
  const ctx = (await deps.auth.$context) as unknown as AuthContext;
  const plan = lookupPlan(ctx.tables);
  const session = ctx.options.session;
  const store = ctx.options.secondaryStorage as SessionStore | undefined;
  if (!plan || (store && (!session?.storeSessionInDatabase || session.preserveSessionInDatabase))) return null;
  const bearer = pluginOptions(ctx, "bearer");
  return {
    secret: ctx.secret,
    sessionCookie: ctx.authCookies.sessionToken.name,
    sessionDataCookie: ctx.authCookies.sessionData.name,
    dontRememberCookie: ctx.authCookies.dontRememberToken.name,
    bearer: { enabled: Boolean(bearer), requireSignature: Boolean(bearer?.requireSignature) },
    expiresInS: ctx.sessionConfig.expiresIn,
    updateAgeS: ctx.sessionConfig.updateAge,
    refreshDisabled: Boolean(session?.disableSessionRefresh || session?.deferSessionRefresh),
    sessionOutput: outputFilter(ctx.options, ctx.tables, "session"),
    userOutput: outputFilter(ctx.options, ctx.tables, "user"),
    lookup: createSessionLookup({ database: deps.database, databaseUrl: deps.databaseUrl, plan, store }),
    getSessionOff: getSessionIneligibility(ctx, Boolean(deps.onSessionUsed)),
  };
}

/** Where the fast path reads from and which instance's rules it follows. */
export interface FastSessionDeps {
  auth: Auth;
  database: Database;
  /** DATABASE_URL, to open the SQLite file for the prepared statement. */
  databaseUrl: string;
  /** Told the id of every session the fast path answered for (as better-auth's after hooks are). */
  onSessionUsed?: (sessionId: string) => void;
  /** Told once why get-session is left to better-auth, when it is. */
  onGetSessionOff?: (reason: string) => void;
}

/** What the query asks of get-session: `{ disableRefresh }`, or null when better-auth must read it. */
function getSessionQuery(url: string): { disableRefresh: boolean } | null {
  const q = url.indexOf("?");
  if (q < 0) return { disableRefresh: false };
  const params = new URLSearchParams(url.slice(q + 1));
  let disableRefresh = false;
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    // better-auth's schema coerces with Boolean(): any non-empty text is true, "false" included.
    // The cookie cache is off whenever this path answers, so disableCookieCache changes nothing.
    if (values.length !== 1 || (key !== "disableRefresh" && key !== "disableCookieCache")) return null;
    if (key === "disableRefresh") disableRefresh = (values[0] as string) !== "";
  }
  return { disableRefresh };
}

/** The request's session as better-auth's get-session would answer it, or null to let better-auth answer. */
async function resolve(
  cfg: FastSessionConfig,
  headers: Headers,
  noRefresh: boolean,
): Promise<{ session: Record<string, unknown>; user: Record<string, unknown> } | null> {
  const credential = credentialFromRequest(headers, cfg);
  if (!credential) return null;
  const found = await cfg.lookup(credential.token);
  if (!found) return null;
  const session = cfg.sessionOutput(found.session);
  const user = cfg.userOutput(found.user);
  const now = Date.now();
  // The rule's refusals (and their revocation) are better-auth's path's to make.
  if (sessionViolation(session as never, user, now)) return null;
  // better-auth extends a session once it is `updateAge` old, with a Set-Cookie; let it.
  const refreshes = !cfg.refreshDisabled && !noRefresh && !credential.dontRemember;
  const expiresAt = new Date(session.expiresAt as Date).valueOf();
  if (refreshes && expiresAt - cfg.expiresInS * 1000 + cfg.updateAgeS * 1000 <= now) return null;
  return { session, user };
}

/** GET /api/auth/get-session and /api/auth/me, answered from one lookup when they can be; mount first. */
export function fastSessionRoutes(deps: FastSessionDeps): Hono {
  const app = new Hono();
  let config: Promise<FastSessionConfig | null> | null = null;
  const ready = (): Promise<FastSessionConfig | null> => {
    config ??= fastSessionConfig(deps).then((cfg) => {
      if (cfg?.getSessionOff) deps.onGetSessionOff?.(cfg.getSessionOff);
      return cfg;
    });
    return config;
  };

  app.get("/api/auth/get-session", async (c, next) => {
    const cfg = await ready();
    if (!cfg || cfg.getSessionOff) return next();
    const query = getSessionQuery(c.req.url);
    if (!query) return next();
    const answer = await resolve(cfg, c.req.raw.headers, query.disableRefresh);
    if (!answer) return next();
    deps.onSessionUsed?.(answer.session.id as string);
    // better-auth's headers for this answer (api/routes/session.ts); the app adds the rest to both paths.
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
    });
  });

  app.get("/api/auth/me", async (c, next) => {
    const cfg = await ready();
    if (!cfg) return next();
    const answer = await resolve(cfg, c.req.raw.headers, false);
    if (!answer) return next();
    deps.onSessionUsed?.(answer.session.id as string);
    const { user } = answer;
    c.header("Cache-Control", "no-store");
    return c.json(meAnswer(user as unknown as MeSource));
  });

  return app;
}
