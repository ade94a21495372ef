/**
 * Issue 14, acceptance 1: a real stock better-auth 1.7.25 database (built by the stock server of
 * bench/baseline/) is imported into Gatehouse, from a second database and in place, on SQLite and
 * PostgreSQL; nobody is locked out and nothing the stock server issued stops working.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBetterAuth } from "../src/cli/import/importer.js";
import { SKIP } from "../src/cli/import/report.js";
import { tableColumns } from "../src/db/introspect.js";
import { DB_KINDS, freshDatabaseUrl } from "./harness.js";
import type { Instance } from "./support/gatehouse-on.js";
import {
  buildStockDatabase,
  gatehouseOver,
  NON_ASCII_PASSWORD,
  STOCK_USERS,
  type StockFixture,
} from "./support/stock-fixture.js";

const GATEHOUSE_TABLES = [
  "users",
  "accounts",
  "user_sessions",
  "verifications",
  "auth_jwks",
  "gatehouse_import_ledger",
  "gatehouse_imports",
];

describe.each(DB_KINDS)("import from stock better-auth 1.7.25 on %s", (kind) => {
  let stock: StockFixture;
  beforeAll(async () => {
    stock = await buildStockDatabase(kind);
  }, 180_000);
  afterAll(async () => {
    await stock?.drop();
  });

  describe.each(["from a second database", "in place"])("%s", (variant) => {
    let g: Instance;
    let dropTarget: () => Promise<void> = async () => {};
    beforeAll(async () => {
      let target = stock.url;
      if (variant !== "in place") {
        const fresh = await freshDatabaseUrl(kind);
        target = fresh.url;
        dropTarget = fresh.drop;
      }
      g = gatehouseOver(target);
    });
    afterAll(async () => {
      await g?.close();
      await dropTarget();
    });

    const signIn = (email: string, password: string) =>
      g.call("/api/auth/sign-in/email", { method: "POST", json: { email, password } });
    const storedHash = async (userId: string): Promise<string> =>
      (
        await g.gh.database.db
          .selectFrom("accounts")
          .select("password")
          .where("user_id", "=", userId)
          .where("provider_id", "=", "credential")
          .executeTakeFirstOrThrow()
      ).password as string;
    /** Every row of every table the import writes, for before/after comparisons. */
    const snapshot = async (): Promise<Record<string, unknown[]>> => {
      const out: Record<string, unknown[]> = {};
      for (const table of GATEHOUSE_TABLES) {
        out[table] = await g.gh.database.db.selectFrom(table).selectAll().execute();
        out[table].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      }
      return out;
    };

    it("dry run: counts per table, the conflict and what it skips, and writes nothing", async () => {
      const report = await importBetterAuth(g.gh, { from: stock.url, dryRun: true });
      const byModel = Object.fromEntries(report.tables.map((t) => [t.model, t]));
      expect(byModel.user).toMatchObject({ read: 6, imported: 4, already: 0, skipped: { [SKIP.EMAIL_DUPLICATE]: 2 } });
      expect(byModel.account).toMatchObject({ read: 4, imported: 4, skipped: {} });
      // Ada's sign-up and sign-in, Björn's sign-up; Una's has expired, Ben is banned.
      expect(byModel.session).toMatchObject({
        read: 5,
        imported: 3,
        skipped: { [SKIP.EXPIRED]: 1, [SKIP.USER_BANNED]: 1 },
      });
      expect(byModel.verification).toMatchObject({ read: 1, imported: 1 });
      expect(byModel.jwks).toMatchObject({ read: 1, imported: 1 });
      expect(report.findings.map((f) => [f.id, f.reason]).sort()).toEqual(
        stock.caseTwins.map((id) => [id, SKIP.EMAIL_DUPLICATE]).sort(),
      );
      expect(report).toMatchObject({ dryRun: true, inPlace: variant === "in place", recorded: false });
      for (const table of GATEHOUSE_TABLES)
        expect(await tableColumns(g.gh.database.db, kind, table), `${table} must not exist yet`).toBeNull();
    });

    it("imports users, accounts, sessions, verifications and keys in one run", async () => {
      const report = await importBetterAuth(g.gh, { from: stock.url });
      expect(report.tables.map((t) => [t.model, t.imported])).toEqual([
        ["user", 4],
        ["account", 4],
        ["session", 3],
        ["verification", 1],
        ["jwks", 1],
      ]);
      expect(report.recorded).toBe(true);
      expect(report.notices.join("\n")).toMatch(/signing key\(s\) stay published/);
    });

    it("signs every old user in with the old password (non-ASCII too) and upgrades the hash to argon2id", async () => {
      for (const who of ["admin", "nonAscii"] as const) {
        const { email, password } = STOCK_USERS[who];
        expect(await storedHash(stock.ids[who])).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
        expect((await signIn(email, `${password}x`)).status).toBe(401);
        const ok = await signIn(email, password);
        expect(ok.status, `${who} signs in`).toBe(200);
        expect((await ok.json()).user.id).toBe(stock.ids[who]);
        expect(await storedHash(stock.ids[who])).toMatch(/^\$argon2id\$/);
        expect((await signIn(email, password)).status).toBe(200);
      }
    });

    it("keeps unverified users unverified, admins admins and banned users banned", async () => {
      const una = await signIn(STOCK_USERS.unverified.email, STOCK_USERS.unverified.password);
      expect(una.status).toBe(403);
      expect((await una.json()).code).toBe("EMAIL_NOT_VERIFIED");
      const ben = await signIn(STOCK_USERS.banned.email, STOCK_USERS.banned.password);
      expect(ben.status).toBe(403);
      expect((await ben.json()).code).toBe("BANNED_USER");
      const users = await g.gh.database.db.selectFrom("users").select(["id", "role", "email_verified"]).execute();
      const byId = new Map(users.map((u) => [u.id, u]));
      expect(byId.get(stock.ids.admin)?.role).toBe("admin");
      expect(Boolean(byId.get(stock.ids.unverified)?.email_verified)).toBe(false);
      expect(Boolean(byId.get(stock.ids.nonAscii)?.email_verified)).toBe(true);
    });

    it("accepts the old session cookie and bearer token, with the admin's powers", async () => {
      const credentials: Record<string, string>[] = [
        { Cookie: stock.cookie },
        { Authorization: `Bearer ${stock.bearer}` },
      ];
      for (const headers of credentials) {
        const res = await g.call("/api/auth/get-session", { headers });
        expect(res.status).toBe(200);
        expect((await res.json())?.user).toMatchObject({ id: stock.ids.admin, role: "admin", emailVerified: true });
      }
      const list = await g.call("/api/auth/admin/list-users", { headers: { Authorization: `Bearer ${stock.bearer}` } });
      expect(list.status).toBe(200);
    });

    it("still verifies a JWT the stock server signed, and signs new ones with a key of its own", async () => {
      const jwks = await (await g.call("/api/auth/jwks")).json();
      const stockKid = decodeProtectedHeader(stock.jwt).kid;
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(stockKid);
      const { payload } = await jwtVerify(stock.jwt, createLocalJWKSet(jwks), {
        algorithms: ["EdDSA"],
        issuer: stock.stockUrl,
        audience: stock.stockUrl,
      });
      expect(payload.sub).toBe(stock.ids.admin);

      const fresh = await g.call("/api/auth/token", { headers: { Authorization: `Bearer ${stock.bearer}` } });
      expect(fresh.status).toBe(200);
      const jwt = ((await fresh.json()) as { token: string }).token;
      expect(decodeProtectedHeader(jwt).kid).not.toBe(stockKid);
      const after = createLocalJWKSet(await (await g.call("/api/auth/jwks")).json());
      const claims = (await jwtVerify(jwt, after, { issuer: "http://localhost:3000" })).payload;
      expect(claims).toMatchObject({ sub: stock.ids.admin, email_verified: true, role: "admin" });
      expect(claims.sid).toEqual(expect.any(String));
    });

    it("honours a password-reset link the stock server issued", async () => {
      const reset = await g.call("/api/auth/reset-password", {
        method: "POST",
        json: { token: stock.resetToken, newPassword: "a brand new passphrase 7" },
      });
      expect(reset.status).toBe(200);
      expect((await signIn(STOCK_USERS.nonAscii.email, NON_ASCII_PASSWORD)).status).toBe(401);
      expect((await signIn(STOCK_USERS.nonAscii.email, "a brand new passphrase 7")).status).toBe(200);
    });

    it("refuses a second identity for an imported email", async () => {
      await g.call("/api/auth/sign-up/email", {
        method: "POST",
        json: { email: "ADA@example.com", password: "another passphrase 99", name: "Imposter" },
      });
      const rows = await g.gh.database.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "ada@example.com")
        .execute();
      expect(rows.map((r) => r.id)).toEqual([stock.ids.admin]);
    });

    it("changes nothing on a second run, and never brings back what Gatehouse ended", async () => {
      const signedOut = await g.call("/api/auth/sign-out", {
        method: "POST",
        headers: { Authorization: `Bearer ${stock.bearer}` },
      });
      expect(signedOut.status).toBe(200);
      const before = await snapshot();
      const again = await importBetterAuth(g.gh, { from: stock.url });
      expect(again.tables.map((t) => t.imported)).toEqual([0, 0, 0, 0, 0]);
      // Ada signed out; the reset revoked Björn's session and used up the link: none of it returns.
      const removed = Object.fromEntries(again.tables.map((t) => [t.model, t.skipped[SKIP.REMOVED] ?? 0]));
      expect(removed).toEqual({ user: 0, account: 0, session: 2, verification: 1, jwks: 0 });
      expect(again.tables.find((t) => t.model === "session")?.skipped[SKIP.USER_BANNED]).toBe(1);
      expect(again.recorded).toBe(false);
      expect(await snapshot()).toEqual(before);
      const res = await g.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${stock.bearer}` } });
      expect(await res.json()).toBeNull();
    });
  });
});
