/**
 * Issue 14, acceptance 2 and the jwks name clash: Gatehouse refuses to start (and to migrate) over a
 * stock better-auth database it has not imported, `doctor` says why and what to run, `migrate` never
 * crashes on a stock `jwks` table, and a Gatehouse database from before the rename keeps its keys.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script shared with the backend's tests, no type declarations.
import { freePort } from "../../scripts/embedded-pg.mjs";
import { doctor, formatFindings } from "../src/cli/doctor.js";
import { importBetterAuth } from "../src/cli/import/importer.js";
import { openDatabase } from "../src/db/database.js";
import { rowCount, tableColumns } from "../src/db/introspect.js";
import { StockSchemaError } from "../src/db/stock-schema.js";
import { DB_KINDS, type DbKind, freshDatabaseUrl, signUpVerified, TEST_SECRET } from "./harness.js";
import { startStockServer } from "./support/stock-better-auth.js";
import { gatehouseOver } from "./support/stock-fixture.js";

const AUTH_DIR = fileURLToPath(new URL("..", import.meta.url));
const IMPORT_HINT = 'import better-auth --from "$DATABASE_URL"';

/** Runs `node <args>` in auth-server/ to its end: exit code and all output. */
function runNode(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, {
      cwd: AUTH_DIR,
      env: { PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (d) => {
      out += String(d);
    });
    proc.stderr.on("data", (d) => {
      out += String(d);
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** A stock database with one user who signed in and fetched a JWT (so `jwks` holds a key). */
async function stockWithOneUser(kind: DbKind): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await freshDatabaseUrl(kind);
  const stock = await startStockServer(database.url, { admin: false });
  try {
    const up = await fetch(`${stock.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: stock.url },
      body: JSON.stringify({ email: "old@example.com", password: "correct horse battery staple", name: "Old" }),
    });
    const bearer = up.headers.get("set-auth-token") ?? "";
    const token = await fetch(`${stock.url}/api/auth/token`, { headers: { Authorization: `Bearer ${bearer}` } });
    expect(token.status).toBe(200);
  } finally {
    await stock.stop();
  }
  return database;
}

describe.each(DB_KINDS)("an unimported stock better-auth database on %s", (kind) => {
  let stock: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    stock = await stockWithOneUser(kind);
  }, 120_000);
  afterAll(async () => {
    await stock?.drop();
  });
  const env = () => ({ DATABASE_URL: stock.url, BETTER_AUTH_SECRET: TEST_SECRET });

  it("stops start-up with a non-zero exit naming the import command, creating nothing", async () => {
    const port = String(await freePort());
    const started = await runNode(["--import", "tsx", "src/index.ts"], { ...env(), PORT: port, HOST: "127.0.0.1" });
    expect(started.code).toBe(78);
    expect(started.out).toContain('"user" (1 user)');
    expect(started.out).toContain(IMPORT_HINT);
    const { db } = openDatabase(stock.url, { poolSize: 1 });
    try {
      expect(await tableColumns(db, kind, "users")).toBeNull();
    } finally {
      await db.destroy();
    }
  }, 120_000);

  it("doctor fails with the import command as the fix", async () => {
    const text = formatFindings(await doctor(env()));
    expect(text).toMatch(/FAIL {2}stock better-auth schema not imported: "user" holds 1 user\(s\)/);
    expect(text).toContain(`fix: Run \`npm run -s gatehouse -w auth-server -- ${IMPORT_HINT}\``);
  });

  it("migrate refuses too (so no deploy step creates an empty identity store), without a stack trace", async () => {
    const migrated = await runNode(["--import", "tsx", "src/cli/index.ts", "migrate"], env());
    expect(migrated.code).toBe(78);
    expect(migrated.out).toMatch(/^gatehouse migrate: This database holds a stock better-auth schema/);
    expect(migrated.out).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("migrates beside a stock jwks table with keys, leaving it as it was (the old name clash)", async () => {
    const { db } = openDatabase(stock.url, { poolSize: 1 });
    try {
      // A stock database without users: nobody to lock out, so Gatehouse may run beside it.
      await sql`delete from ${sql.table("session")}`.execute(db);
      await sql`delete from ${sql.table("account")}`.execute(db);
      await sql`delete from ${sql.table("user")}`.execute(db);
      const keys = await db.selectFrom("jwks").selectAll().execute();
      expect(keys.length).toBe(1);
      const g = gatehouseOver(stock.url);
      try {
        expect(await g.gh.migrate()).toEqual(expect.arrayContaining(["better-auth: create auth_jwks"]));
        expect(await g.gh.migrate()).toEqual([]);
      } finally {
        await g.close();
      }
      expect(await db.selectFrom("jwks").selectAll().execute()).toEqual(keys);
      expect(await tableColumns(db, kind, "jwks")).toEqual(expect.arrayContaining(["publicKey", "privateKey"]));
      expect(await tableColumns(db, kind, "auth_jwks")).toEqual(expect.arrayContaining(["public_key", "private_key"]));
    } finally {
      await db.destroy();
    }
  });
});

describe.each(DB_KINDS)("Gatehouse databases from before the jwks rename on %s", (kind) => {
  it("keep their keys: the table is renamed, tokens signed before still verify, signing goes on", async () => {
    const database = await freshDatabaseUrl(kind);
    const first = gatehouseOver(database.url);
    try {
      await first.gh.migrate();
      const { token } = await signUpVerified(
        { ...first, env: first.gh.env, hashCalls: () => 0, close: first.close },
        "keys@example.com",
      );
      const before = (
        (await (await first.call("/api/auth/token", { headers: { Authorization: `Bearer ${token}` } })).json()) as {
          token: string;
        }
      ).token;
      // The layout this change replaces: Gatehouse's keys in `jwks`, the rename not yet recorded.
      await sql`alter table auth_jwks rename to jwks`.execute(first.gh.database.db);
      await first.gh.database.db.deleteFrom("gatehouse_migrations").where("name", "like", "pre-0001%").execute();
      await first.close();

      const next = gatehouseOver(database.url);
      try {
        expect(await next.gh.migrate()).toEqual(["pre-0001_jwks_renamed_auth_jwks"]);
        expect(await tableColumns(next.gh.database.db, kind, "jwks")).toBeNull();
        expect(await rowCount(next.gh.database.db, "auth_jwks")).toBe(1);
        const jwks = createLocalJWKSet(await (await next.call("/api/auth/jwks")).json());
        await expect(jwtVerify(before, jwks, { issuer: "http://localhost:3000" })).resolves.toBeTruthy();
        const after = (
          (await (await next.call("/api/auth/token", { headers: { Authorization: `Bearer ${token}` } })).json()) as {
            token: string;
          }
        ).token;
        expect(decodeProtectedHeader(after).kid).toBe(decodeProtectedHeader(before).kid);
      } finally {
        await next.close();
      }
    } finally {
      await first.close().catch(() => {});
      await database.drop();
    }
  });
});

describe("a table with a Gatehouse name that is not Gatehouse's", () => {
  it("is refused by migrate and import alike, naming the table", async () => {
    const database = await freshDatabaseUrl("sqlite");
    const g = gatehouseOver(database.url);
    try {
      // A stock better-auth user table given modelName "users" (camelCase columns).
      await sql`create table users (id text primary key, email text, "emailVerified" integer, name text)`.execute(
        g.gh.database.db,
      );
      await expect(g.gh.migrate()).rejects.toThrow(StockSchemaError);
      await expect(g.gh.migrate()).rejects.toThrow(/"users" \(no email_verified column\)/);
      await expect(importBetterAuth(g.gh, { from: database.url })).rejects.toThrow(
        /"users" \(no email_verified column\)/,
      );
      expect(formatFindings(await doctor({ DATABASE_URL: database.url, BETTER_AUTH_SECRET: TEST_SECRET }))).toMatch(
        /FAIL {2}table users has Gatehouse's name but not its columns/,
      );
    } finally {
      await g.close();
      await database.drop();
    }
  });
});
