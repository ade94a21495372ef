import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { type Mailer, OutboxMailer } from "../src/email/index.js";
import { type Env, loadEnv } from "../src/env.js";
import { createGatehouse, type Gatehouse } from "../src/gatehouse.js";
import { createLogger, type Logger } from "../src/logger.js";
import type { PasswordHasher } from "../src/password.js";

export type DbKind = "sqlite" | "postgres";
export const DB_KINDS: DbKind[] = ["sqlite", "postgres"];

export const TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
export const ORIGIN = "http://localhost:5173";
export const STRONG_PASSWORD = "correct horse battery staple";

let dbCounter = 0;

/** A fresh, empty database of the given kind; returns its URL and a cleanup. */
export async function freshDatabaseUrl(kind: DbKind): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-auth-"));
    return {
      url: `sqlite:${join(dir, "gatehouse.db")}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = inject("pgUrl");
  const name = `t_${process.pid}_${Date.now()}_${dbCounter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  return {
    url: admin.replace(/\/[^/]+$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestServer {
  gh: Gatehouse;
  env: Env;
  outbox: OutboxMailer;
  /** How many times the password hasher ran (hash and verify). */
  hashCalls(): number;
  /** Calls the app in-process (no port) with JSON helpers. */
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** A migrated auth server on a fresh database, driven in-process through `app.request()`. */
export async function startTestServer(
  kind: DbKind,
  envOverrides: Record<string, string> = {},
  mailer?: Mailer,
  logger?: Logger,
  /** Wraps the password hasher inside the counting one (a test that holds a verification). */
  wrapHasher: (h: PasswordHasher) => PasswordHasher = (h) => h,
): Promise<TestServer> {
  const db = await freshDatabaseUrl(kind);
  const env = loadEnv({
    NODE_ENV: "test",
    DATABASE_URL: db.url,
    BETTER_AUTH_SECRET: TEST_SECRET,
    BETTER_AUTH_URL: "http://localhost:3000",
    FRONTEND_URL: ORIGIN,
    LOG_LEVEL: "silent",
    ...envOverrides,
  });
  const outbox = new OutboxMailer();
  let hashCalls = 0;
  const counting = (h: PasswordHasher): PasswordHasher => ({
    hash: (p) => {
      hashCalls++;
      return h.hash(p);
    },
    verify: (d) => {
      hashCalls++;
      return h.verify(d);
    },
  });
  const gh = createGatehouse(env, {
    mailer: mailer ?? outbox,
    logger: logger ?? createLogger("silent"),
    wrapHasher: (h) => counting(wrapHasher(h)),
  });
  await gh.migrate();
  return {
    gh,
    env,
    outbox,
    hashCalls: () => hashCalls,
    async call(path, init = {}) {
      const { json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (json !== undefined) h.set("Content-Type", "application/json");
      if (!h.has("Origin")) h.set("Origin", ORIGIN);
      const res = await gh.app.request(path, {
        ...rest,
        headers: h,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
      // What the answer left to do (mails, a reset request's work) is done before a test looks.
      await gh.settled();
      return res;
    },
    async close() {
      await gh.close();
      await db.drop();
    },
  };
}

/** Extracts `token` from the newest link to `path` in the outbox for `to`. */
export function tokenFromOutbox(outbox: OutboxMailer, to: string, path: "/verify-email" | "/reset-password"): string {
  const mail = outbox.list(to).find((m) => m.text.includes(path));
  if (!mail) throw new Error(`no ${path} mail for ${to}`);
  const match = mail.text.match(new RegExp(`${path}\\?token=([^\\s]+)`));
  if (!match?.[1]) throw new Error(`no token in ${path} mail`);
  return match[1];
}

/** Cookie header value from a response's Set-Cookie lines (name=value pairs only). */
export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => c && !c.endsWith("="))
    .join("; ");
}

/** Signs up, follows the verification link, and returns the session token and cookie. */
export async function signUpVerified(
  s: TestServer,
  email: string,
  password = STRONG_PASSWORD,
): Promise<{ token: string; cookie: string; userId: string }> {
  const up = await s.call("/api/auth/sign-up/email", {
    method: "POST",
    json: { email, password, name: email.split("@")[0] },
  });
  if (up.status !== 200) throw new Error(`sign-up ${up.status}: ${await up.text()}`);
  const token = tokenFromOutbox(s.outbox, email, "/verify-email");
  // Verified in the browser that signed up (its sign-up cookie): what ADMIN_EMAILS asks of an owner.
  const verified = await s.call(`/api/auth/verify-email?token=${token}`, { headers: { Cookie: cookiesFrom(up) } });
  if (verified.status !== 200) throw new Error(`verify ${verified.status}: ${await verified.text()}`);
  const signIn = await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password } });
  if (signIn.status !== 200) throw new Error(`sign-in ${signIn.status}: ${await signIn.text()}`);
  const body = (await signIn.json()) as { user: { id: string } };
  return { token: signIn.headers.get("set-auth-token") as string, cookie: cookiesFrom(signIn), userId: body.user.id };
}
