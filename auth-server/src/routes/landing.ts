import { Hono } from "hono";
import { html } from "hono/html";
import type { Env } from "../env.js";

/** Where a person who opened the auth server's own address should go instead. */
export interface Landing {
  name: string;
  app: string;
  reference: string;
  health: string;
  jwks: string;
}

/**
 * GET /: a small answer for people who open http://localhost:3000 — the first URL in the README —
 * instead of a JSON 404. Browsers get a page of links (no script, no style: the API's strict CSP
 * holds), anything else the same as JSON.
 */
export function landingRoutes(env: Pick<Env, "FRONTEND_URL" | "BETTER_AUTH_URL">): Hono {
  const base = env.BETTER_AUTH_URL.replace(/\/$/, "");
  const landing: Landing = {
    name: "Gatehouse auth server",
    app: env.FRONTEND_URL,
    reference: `${base}/api/auth/reference`,
    health: `${base}/health`,
    jwks: `${base}/api/auth/jwks`,
  };
  return new Hono().get("/", (c) => {
    if (!(c.req.header("accept") ?? "").includes("text/html")) return c.json(landing);
    return c.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${landing.name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${landing.name}</h1>
<p>This is the API behind the Gatehouse web app; people sign in there.</p>
<ul>
<li><a href="${landing.app}">Open the app</a> (${landing.app})</li>
<li><a href="${landing.reference}">API reference</a></li>
<li><a href="${landing.health}">Health</a> · <a href="${landing.jwks}">JWKS</a></li>
</ul></main></body></html>`);
  });
}
