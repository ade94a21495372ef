/**
 * Vercel entry: the same Hono app that `src/index.ts` serves, as a Vercel Node.js function.
 *
 * Vercel's Node.js runtime calls a default export of the form `{ fetch(request) }` with a Web
 * `Request` and sends back the `Response`. That is all `hono/vercel`'s `handle(app)` does
 * (`(req) => app.fetch(req)`, and it is deprecated in Hono 4), so the app's own `fetch` is
 * exported directly. `vercel.json` rewrites every path to this function; a rewrite keeps the URL
 * the browser asked for, so Hono sees `/api/auth/*`, `/health`, … as on a long-running server.
 *
 * What differs from `src/index.ts`, and why:
 * - No migrations here. A cold start must not run DDL; `vercel.json`'s build command runs
 *   `npm run migrate` (idempotent, serialised by a PostgreSQL advisory lock) before a deployment
 *   goes live. See docs/DEPLOYMENT.md.
 * - No repo-root `.env`: Vercel injects the project's environment variables.
 * - The client address. A Web `Request` carries no socket, so the app's client-ip middleware takes
 *   the peer to be the loopback address. Every request reaches a function through Vercel's proxy,
 *   which replaces X-Forwarded-For with the address of whoever connected to it, so that header is
 *   the client's address; trusting the loopback peer makes the middleware read it. Without this,
 *   every caller would share one rate-limit bucket.
 */
import { ConfigError, type Env, loadEnv } from "../src/env.js";
import { createGatehouse } from "../src/gatehouse.js";

/** The peer address the client-ip middleware assumes when a request has no socket. */
const SOCKETLESS_PEER = "127.0.0.1";

function vercelEnv(source: NodeJS.ProcessEnv): Env {
  const trusted = [source.TRUSTED_PROXIES, SOCKETLESS_PEER].filter(Boolean).join(",");
  try {
    return loadEnv({ ...source, TRUSTED_PROXIES: trusted });
  } catch (err) {
    // Fail the cold start with the full list of problems in the function log.
    if (err instanceof ConfigError) console.error(`auth-server: ${err.message}`);
    throw err;
  }
}

const gatehouse = createGatehouse(vercelEnv(process.env));

/** Vercel Node.js function: Web Request in, Web Response out. */
export default {
  fetch(request: Request): Response | Promise<Response> {
    return gatehouse.app.fetch(request);
  },
};
