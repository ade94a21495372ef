#!/usr/bin/env node
/**
 * Creates stock better-auth's schema in a database, exactly as `npx @better-auth/cli migrate` would for a stock
 * setup (default table and column names): better-auth's own getMigrations(), with the bearer and jwt plugins,
 * and the admin plugin's columns unless --no-admin is given. Test support only.
 *
 * Usage: node stock_schema.mjs <sqlite:/abs/path.db | postgres://...> [--no-admin]
 */
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, bearer, jwt } from "better-auth/plugins";
import SQLite from "better-sqlite3";
import pg from "pg";

const [url, flag] = process.argv.slice(2);
const database = url.startsWith("sqlite:")
  ? new SQLite(url.slice("sqlite:".length))
  : new pg.Pool({ connectionString: url });
const plugins = flag === "--no-admin" ? [bearer(), jwt()] : [bearer(), jwt(), admin()];
const auth = betterAuth({
  baseURL: "http://127.0.0.1:1",
  secret: "stock-schema-only-not-a-secret-0123456789",
  database,
  telemetry: { enabled: false },
  emailAndPassword: { enabled: true },
  plugins,
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
if ("end" in database) await database.end();
else database.close();
