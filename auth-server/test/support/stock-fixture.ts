import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { openDatabase } from "../../src/db/database.js";
import { OutboxMailer } from "../../src/email/index.js";
import { loadEnv } from "../../src/env.js";
import { createGatehouse } from "../../src/gatehouse.js";
import { createLogger } from "../../src/logger.js";
import { cookiesFrom, type DbKind, freshDatabaseUrl, ORIGIN, TEST_SECRET } from "../harness.js";
import type { Instance } from "./gatehouse-on.js";
import { startStockServer } from "./stock-better-auth.js";

/**
 * A real stock better-auth 1.7.25 database, as a team would bring it: built by the stock server of
 * bench/baseline/ (bearer, jwt, admin plugins; scrypt hashes; its own schema and signing key), with
 * sign-ups and sign-ins made through its HTTP API. Only what the stock API cannot do without mail or
 * an existing admin is set with SQL, as an operator would: verified flags, the admin role, a ban, a
 * pending password-reset link, an expired session, and two accounts whose emails differ only in case
 * (older better-auth versions and hand-written SQL stored emails as typed).
 */

export const STOCK_PASSWORD = "correct horse battery staple";
/** Non-ASCII on purpose: stock better-auth NFKC-normalises before scrypt, and so must Gatehouse. */
export const NON_ASCII_PASSWORD = "Pässwörd-Ünïcödé-日本語-🔑";

export const STOCK_USERS = {
  admin: { email: "ada@example.com", password: STOCK_PASSWORD, name: "Ada" },
  nonAscii: { email: "bjorn@example.com", password: NON_ASCII_PASSWORD, name: "Björn" },
  unverified: { email: "una@example.com", password: STOCK_PASSWORD, name: "Una" },
  banned: { email: "ben@example.com", password: STOCK_PASSWORD, name: "Ben" },
} as const;

/** What the stock server issued before the import; all of it must keep working after. */
export interface StockFixture {
  kind: DbKind;
  url: string;
  /** BETTER_AUTH_URL of the stock server: the `iss` and `aud` of its JWTs. */
  stockUrl: string;
  ids: Record<keyof typeof STOCK_USERS, string>;
  /** Ada's (admin) credentials from a stock sign-in. */
  bearer: string;
  cookie: string;
  jwt: string;
  /** A reset-password token whose verification row the stock database holds (for Björn). */
  resetToken: string;
  /** Ids of the two users whose emails differ only in case. */
  caseTwins: [string, string];
  drop(): Promise<void>;
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: url },
    body: JSON.stringify(body),
  });
}

/** Builds the stock database on a fresh database of `kind`; the stock server is stopped afterwards. */
export async function buildStockDatabase(kind: DbKind): Promise<StockFixture> {
  const database = await freshDatabaseUrl(kind);
  const stock = await startStockServer(database.url);
  const ids = {} as Record<keyof typeof STOCK_USERS, string>;
  let bearer = "";
  let cookie = "";
  let jwt = "";
  try {
    for (const [key, u] of Object.entries(STOCK_USERS)) {
      const res = await post(stock.url, "/api/auth/sign-up/email", u);
      if (res.status !== 200) throw new Error(`stock sign-up ${res.status}: ${await res.text()}\n${stock.output()}`);
      ids[key as keyof typeof STOCK_USERS] = ((await res.json()) as { user: { id: string } }).user.id;
    }
    const signIn = await post(stock.url, "/api/auth/sign-in/email", {
      email: STOCK_USERS.admin.email,
      password: STOCK_USERS.admin.password,
    });
    if (signIn.status !== 200) throw new Error(`stock sign-in ${signIn.status}: ${await signIn.text()}`);
    bearer = signIn.headers.get("set-auth-token") ?? "";
    cookie = cookiesFrom(signIn);
    const token = await fetch(`${stock.url}/api/auth/token`, { headers: { Authorization: `Bearer ${bearer}` } });
    if (token.status !== 200) throw new Error(`stock /token ${token.status}: ${await token.text()}`);
    jwt = ((await token.json()) as { token: string }).token;
  } finally {
    await stock.stop();
  }

  const { db } = openDatabase(database.url, { poolSize: 1 });
  const on = kind === "sqlite" ? 1 : true;
  const at = (d: Date) => (kind === "sqlite" ? d.toISOString() : d);
  const resetToken = randomBytes(16).toString("hex");
  const caseTwins: [string, string] = [`twin-a-${resetToken}`, `twin-b-${resetToken}`];
  try {
    await db
      .updateTable("user")
      .set({ emailVerified: on })
      .where("id", "in", [ids.admin, ids.nonAscii, ids.banned])
      .execute();
    await db.updateTable("user").set({ role: "admin" }).where("id", "=", ids.admin).execute();
    await db.updateTable("user").set({ banned: on, banReason: "spam" }).where("id", "=", ids.banned).execute();
    const now = new Date();
    await db
      .insertInto("verification")
      .values({
        id: `v-${resetToken}`,
        identifier: `reset-password:${resetToken}`,
        value: ids.nonAscii,
        expiresAt: at(new Date(now.getTime() + 3600_000)),
        createdAt: at(now),
        updatedAt: at(now),
      })
      .execute();
    // Una's sign-up session has run out; the import skips it as expired.
    await db
      .updateTable("session")
      .set({ expiresAt: at(new Date(now.getTime() - 60_000)) })
      .where("userId", "=", ids.unverified)
      .execute();
    for (const [id, email] of [
      [caseTwins[0], "Carol@Example.com"],
      [caseTwins[1], "carol@example.com"],
    ] as const) {
      await db
        .insertInto("user")
        .values({ id, email, name: "Carol", emailVerified: on, createdAt: at(now), updatedAt: at(now) })
        .execute();
    }
    await sql`select 1`.execute(db);
  } finally {
    await db.destroy();
  }
  return {
    kind,
    url: database.url,
    stockUrl: stock.url,
    ids,
    bearer,
    cookie,
    jwt,
    resetToken,
    caseTwins,
    drop: database.drop,
  };
}

/**
 * Gatehouse over an existing database, neither migrated nor started (an import migrates itself, and
 * start-up would refuse an unimported stock database), driven in-process like the harness's servers.
 */
export function gatehouseOver(databaseUrl: string, env: Record<string, string> = {}): Instance {
  const outbox = new OutboxMailer();
  const gh = createGatehouse(
    loadEnv({
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: "http://localhost:3000",
      FRONTEND_URL: ORIGIN,
      LOG_LEVEL: "silent",
      ...env,
    }),
    { mailer: outbox, logger: createLogger("silent") },
  );
  return {
    gh,
    outbox,
    call(path, init = {}) {
      const { json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (json !== undefined) h.set("Content-Type", "application/json");
      if (!h.has("Origin")) h.set("Origin", ORIGIN);
      const body = json !== undefined ? JSON.stringify(json) : rest.body;
      return Promise.resolve(gh.app.request(path, { ...rest, headers: h, body }));
    },
    close: () => gh.close(),
  };
}
