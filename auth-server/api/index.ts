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
 * - No timers: a function instance runs only while it answers a request, so the background work of
 *   `startBackground()` is done another way (docs/DEPLOYMENT.md, Vercel):
 *   - the Redis revocation sync (with REDIS_URL) runs before a request whenever its last read
 *     began more than SYNC_MAX_AGE_MS ago; its position lives in Redis, shared by all instances,
 *     and while it is not current session lookups skip Redis (storage/session-cache.ts);
 *   - pruning the revocation feed is a Vercel Cron job (`vercel.json` `crons`) calling
 *     PRUNE_PATH, which Vercel authenticates with `Authorization: Bearer $CRON_SECRET`.
 */
import { timingSafeEqual } from "node:crypto";
import { pruneRevocations } from "../src/db/prune.js";
import { ConfigError, type Env, loadEnv } from "../src/env.js";
import { ErrorCode } from "../src/errors.js";
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

/** The long-running server reads the feed every 250 ms; a request may find it this much behind. */
export const SYNC_MAX_AGE_MS = 250;
/** Where `vercel.json`'s cron job prunes the revocation feed. */
export const PRUNE_PATH = "/api/cron/prune-revocations";

/**
 * Vercel's `waitUntil` for the current request (what `@vercel/functions` reads: the request
 * context Vercel's runtime puts on this global symbol), so a mail sent after the answer finishes
 * before the instance is frozen. Absent outside Vercel, where the process keeps running anyway.
 */
function vercelWaitUntil(task: Promise<unknown>): void {
  const context = (globalThis as Record<symbol, { get?: () => { waitUntil?: (p: Promise<unknown>) => void } }>)[
    Symbol.for("@vercel/request-context")
  ];
  context?.get?.()?.waitUntil?.(task);
}

const gatehouse = createGatehouse(vercelEnv(process.env), { keepAlive: vercelWaitUntil });

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

/** Vercel Cron's call: `Authorization: Bearer $CRON_SECRET` (compared in constant time). */
async function pruneFromCron(request: Request, secret: string | undefined): Promise<Response> {
  if (request.method !== "GET") return json(405, { code: ErrorCode.METHOD_NOT_ALLOWED, message: "Use GET." });
  const given = Buffer.from(request.headers.get("authorization") ?? "");
  const expected = Buffer.from(`Bearer ${secret ?? ""}`);
  if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return json(401, { code: ErrorCode.UNAUTHORIZED, message: "This endpoint is for the deployment's cron job." });
  }
  const deleted = await pruneRevocations(gatehouse.database.db, gatehouse.database.kind);
  return json(200, { deleted });
}

/** Vercel Node.js function: Web Request in, Web Response out. */
export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === PRUNE_PATH) return pruneFromCron(request, process.env.CRON_SECRET);
    // Fail safe: if this read fails the cache is not current, and session lookups go to the database.
    await gatehouse.revocationSync
      ?.catchUpIfOlderThan(SYNC_MAX_AGE_MS)
      .catch((err: unknown) => gatehouse.logger.warn({ err }, "revocation cache sync failed"));
    return gatehouse.app.fetch(request);
  },
};
