/**
 * `gatehouse import better-auth` beyond the default schema: custom model and field names through a
 * mapping file, a stock server without the admin plugin, keys encrypted with another secret, Redis
 * (where better-auth keeps verification values), and the command line's answers.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBetterAuth } from "../src/cli/import/importer.js";
import { SecretMismatchError } from "../src/cli/import/rules.js";
import { MappingError, readMapping } from "../src/cli/import/schema.js";
import { openDatabase } from "../src/db/database.js";
import { rowCount } from "../src/db/introspect.js";
import { DB_KINDS, type DbKind, freshDatabaseUrl, TEST_SECRET } from "./harness.js";
import { startRedis } from "./support/redis-server.js";
import { startStockServer } from "./support/stock-better-auth.js";
import { gatehouseOver } from "./support/stock-fixture.js";

const AUTH_DIR = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "correct horse battery staple";

/** How the team named things in their better-auth config; the test renames a stock database to match. */
const MAPPING: Record<string, { modelName: string; fields?: Record<string, string> }> = {
  user: { modelName: "ba_user", fields: { emailVerified: "email_verified", createdAt: "created_at" } },
  session: { modelName: "ba_session", fields: { userId: "user_id" } },
  account: {
    modelName: "ba_account",
    fields: { userId: "user_id", providerId: "provider_id", accountId: "account_id" },
  },
  verification: { modelName: "ba_verification" },
  jwks: { modelName: "ba_jwks", fields: { publicKey: "public_key", privateKey: "private_key" } },
};

async function renameToMapping(db: Kysely<any>): Promise<void> {
  for (const [model, m] of Object.entries(MAPPING)) {
    for (const [from, to] of Object.entries(m.fields ?? {}))
      await sql`alter table ${sql.table(model)} rename column ${sql.ref(from)} to ${sql.ref(to)}`.execute(db);
    await sql`alter table ${sql.table(model)} rename to ${sql.table(m.modelName)}`.execute(db);
  }
}

describe.each(DB_KINDS)("importing a custom-named stock schema without the admin plugin on %s", (kind: DbKind) => {
  let stock: { url: string; drop(): Promise<void> };
  let userId = "";
  const resetToken = randomBytes(16).toString("hex");
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-mapping-"));
  const mappingFile = join(dir, "mapping.json");

  beforeAll(async () => {
    stock = await freshDatabaseUrl(kind);
    const server = await startStockServer(stock.url, { admin: false });
    try {
      const up = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: server.url },
        body: JSON.stringify({ email: "mia@example.com", password: PASSWORD, name: "Mia" }),
      });
      userId = ((await up.json()) as { user: { id: string } }).user.id;
      const bearer = up.headers.get("set-auth-token") ?? "";
      expect(
        (await fetch(`${server.url}/api/auth/token`, { headers: { Authorization: `Bearer ${bearer}` } })).status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
    const { db } = openDatabase(stock.url, { poolSize: 1 });
    try {
      const now = new Date();
      const at = (d: Date) => (kind === "sqlite" ? d.toISOString() : d);
      await db
        .insertInto("verification")
        .values({
          id: `v-${resetToken}`,
          identifier: `reset-password:${resetToken}`,
          value: userId,
          expiresAt: at(new Date(now.getTime() + 3600_000)),
          createdAt: at(now),
          updatedAt: at(now),
        })
        .execute();
      await renameToMapping(db);
    } finally {
      await db.destroy();
    }
    writeFileSync(mappingFile, JSON.stringify(MAPPING));
  }, 120_000);
  afterAll(async () => {
    await stock?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh Gatehouse database to import into, closed and dropped after `body`. */
  async function intoFresh(env: Record<string, string>, body: (g: ReturnType<typeof gatehouseOver>) => Promise<void>) {
    const target = await freshDatabaseUrl(kind);
    const g = gatehouseOver(target.url, env);
    try {
      await body(g);
    } finally {
      await g.close();
      await target.drop();
    }
  }

  it("without the mapping, names what is missing and imports nothing", async () => {
    await intoFresh({}, async (g) => {
      await expect(importBetterAuth(g.gh, { from: stock.url })).rejects.toThrow(MappingError);
      await expect(importBetterAuth(g.gh, { from: stock.url })).rejects.toThrow(/no table "user" in the source/);
    });
  });

  it("with the mapping file, imports it; users without admin columns are plain users", async () => {
    await intoFresh({}, async (g) => {
      const report = await importBetterAuth(g.gh, { from: stock.url, mapping: readMapping(mappingFile) });
      expect(report.tables.map((t) => [t.model, t.source, t.imported])).toEqual([
        ["user", "ba_user", 1],
        ["account", "ba_account", 1],
        ["session", "ba_session", 1],
        ["verification", "ba_verification", 1],
        ["jwks", "ba_jwks", 1],
      ]);
      expect(report.unmappedColumns).toEqual([]);
      const signIn = await g.call("/api/auth/sign-in/email", {
        method: "POST",
        json: { email: "mia@example.com", password: PASSWORD },
      });
      // Stock sign-ups are unverified (no mail configured there), and stay so.
      expect((await signIn.json()).code).toBe("EMAIL_NOT_VERIFIED");
      const row = await g.gh.database.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ id: userId, email: "mia@example.com", role: null });
      expect(Boolean(row.banned)).toBe(false);
    });
  });

  it("keeps a pending reset link working when Redis holds verification values", async () => {
    const redis = await startRedis();
    try {
      await intoFresh({ REDIS_URL: redis.url }, async (g) => {
        await importBetterAuth(g.gh, { from: stock.url, mapping: readMapping(mappingFile) });
        const reset = await g.call("/api/auth/reset-password", {
          method: "POST",
          json: { token: resetToken, newPassword: "a brand new passphrase 7" },
        });
        expect(reset.status).toBe(200);
      });
    } finally {
      await redis.stop();
    }
  });

  it("refuses keys encrypted with another BETTER_AUTH_SECRET and writes no row", async () => {
    await intoFresh({ BETTER_AUTH_SECRET: `${TEST_SECRET}-but-another-one` }, async (g) => {
      const run = importBetterAuth(g.gh, { from: stock.url, mapping: readMapping(mappingFile) });
      await expect(run).rejects.toThrow(SecretMismatchError);
      await expect(run).rejects.toThrow(/encrypted with another BETTER_AUTH_SECRET/);
      for (const table of ["users", "accounts", "user_sessions", "verifications", "auth_jwks", "gatehouse_imports"])
        expect(await rowCount(g.gh.database.db, table), table).toBe(0);
    });
  });
});

/** Runs the CLI through tsx in auth-server/: exit code and output. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
      cwd: AUTH_DIR,
      env: { PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: "silent", BETTER_AUTH_SECRET: TEST_SECRET, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (d) => {
      out += String(d);
    });
    proc.stderr.on("data", (d) => {
      out += String(d);
    });
    proc.on("exit", (code) => resolve({ code, out }));
  });
}

describe("gatehouse import on the command line", () => {
  let target: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    target = await freshDatabaseUrl("sqlite");
  });
  afterAll(async () => {
    await target?.drop();
  });

  it("answers usage mistakes with exit 2 and a source it cannot read with exit 1, writing nothing", async () => {
    const env = { DATABASE_URL: target.url };
    expect(await cli(["import"], env)).toMatchObject({
      code: 2,
      out: expect.stringContaining('"import better-auth --from'),
    });
    expect(await cli(["import", "better-auth"], env)).toMatchObject({
      code: 2,
      out: expect.stringContaining("needs --from"),
    });
    expect(await cli(["import", "better-auth", "--from", "mysql://x/y"], env)).toMatchObject({
      code: 1,
      out: expect.stringContaining("--from must be sqlite:<path> or postgres://"),
    });
    const missing = await cli(["import", "better-auth", "--from", "sqlite:/nonexistent/stock.db", "--dry-run"], env);
    expect(missing).toMatchObject({
      code: 1,
      out: expect.stringMatching(/no SQLite file at[\s\S]*Nothing was imported/),
    });
  }, 120_000);

  it("prints the dry-run report and exits 0", async () => {
    const stock = await freshDatabaseUrl("sqlite");
    const server = await startStockServer(stock.url);
    try {
      await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: server.url },
        body: JSON.stringify({ email: "cli@example.com", password: PASSWORD, name: "Cli" }),
      });
    } finally {
      await server.stop();
    }
    try {
      const run = await cli(["import", "better-auth", "--from", stock.url, "--dry-run"], { DATABASE_URL: target.url });
      expect(run.code).toBe(0);
      expect(run.out).toMatch(/^Dry run \(nothing written\) from better-auth: sqlite:/);
      expect(run.out).toMatch(/ user {9}user {12}→ users {15}1 {12}1/);
      expect(run.out).toContain("Summary: would import 1 user, 1 account, 1 session");
    } finally {
      await stock.drop();
    }
  }, 120_000);
});
