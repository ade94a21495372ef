/**
 * The stock baseline: better-auth 1.7.25 as its docs set it up, on Hono, with the same database kind
 * as Gatehouse — default options (scrypt hashing, no cookie cache, no rate limit outside production)
 * plus the bearer and jwt plugins. Nothing here is tuned; it is what a new user would run.
 *
 * Differences from "stock" are deliberate and listed so no ratio is flattered:
 *  - email+password sign-up does not require verification, so the bench can create users with
 *    one request (better-auth's default; Gatehouse requires verification and the bench follows the
 *    mailed link there);
 *  - SQLite gets the same pragmas as Gatehouse (WAL, synchronous=NORMAL, busy_timeout), so the
 *    comparison measures the servers, not the journal mode.
 *
 * Env: DATABASE_URL (sqlite:/abs/path.db | postgres://…), BETTER_AUTH_SECRET, BETTER_AUTH_URL, PORT, HOST;
 * BASELINE_ADMIN=1 adds better-auth's admin plugin with its defaults (role and ban columns, /admin routes), as
 * gatehouse-fastapi's acceptance tests and the import tests run it; the benchmarks leave it off.
 */
import { serve } from "@hono/node-server";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, bearer, jwt } from "better-auth/plugins";
import SQLite from "better-sqlite3";
import { Hono } from "hono";
import pg from "pg";

const url = process.env.DATABASE_URL ?? "";
const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? "127.0.0.1";

function openDatabase(): SQLite.Database | pg.Pool {
  if (url.startsWith("sqlite:")) {
    const db = new SQLite(url.slice("sqlite:".length));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    return db;
  }
  if (/^postgres(ql)?:\/\//.test(url)) return new pg.Pool({ connectionString: url });
  throw new Error("DATABASE_URL must be sqlite:/path or postgres://…");
}

const auth = betterAuth({
  baseURL: process.env.BETTER_AUTH_URL ?? `http://${host}:${port}`,
  secret: process.env.BETTER_AUTH_SECRET,
  database: openDatabase(),
  telemetry: { enabled: false },
  emailAndPassword: { enabled: true },
  plugins: process.env.BASELINE_ADMIN === "1" ? [bearer(), jwt(), admin()] : [bearer(), jwt()],
});

// The schema the stock CLI (`npx @better-auth/cli migrate`) would create, applied in-process.
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const app = new Hono();
app.get("/health", (c) => c.json({ status: "ok" }));
app.on(["GET", "POST"], "/api/auth/*", (c) => auth.handler(c.req.raw));

const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: "baseline listening", port: info.port })}\n`);
});

const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
