import { createHmac, timingSafeEqual } from "node:crypto";
import type { BetterAuthOptions } from "better-auth";
import SQLite from "better-sqlite3";
import { Hono } from "hono";
import { CompiledQuery } from "kysely";
import pg from "pg";
import type { Auth } from "../auth.js";
import { type Database, sqlitePath } from "../db/database.js";
import { AUTH_SCHEMA } from "../db/schema-names.js";
import { canonicalRole } from "../plugins/roles/index.js";
import { sessionViolation } from "../plugins/session-rule/index.js";

/**
 * The fast path of `GET /api/auth/me`: one indexed query instead of a pass through better-auth's
 * endpoint machinery (context, hooks, adapter transforms), which costs ~10× more per request.
 *
 * It answers only the common case it can prove equal to better-auth's `getSession` under the
 * session rule (plugins/session-rule): a well-formed credential, a session that exists and that
 * the rule lets through (not expired, user not under a ban in any stored form, not an
 * impersonation past its lifetime), not yet due for its `updateAge` refresh, and no cookie that
 * changes better-auth's answer (dont-remember). Everything else falls through to the full route
 * in sessions.ts, where better-auth resolves the session through the same rule and revokes a
 * session it refuses; so a refusal here and there is the same refusal.
 */
/** What the fast path needs from better-auth's resolved configuration. */
export interface FastSessionConfig {
  secret: string;
  sessionCookie: string;
  /** Cookies whose presence means better-auth's own logic must run (cookie cache, don't-remember). */
  deferCookies: string[];
  expiresInS: number;
  updateAgeS: number;
  /** Never refresh on GET (`disableSessionRefresh` or `deferSessionRefresh`). */
  refreshDisabled: boolean;
  /** The bearer plugin is on; with `requireSignature` it refuses raw (unsigned) tokens. */
  bearer: { enabled: boolean; requireSignature: boolean };
}

/** Reads the FastSessionConfig from the one better-auth instance, so both paths share settings. */
export async function fastSessionConfig(auth: Auth): Promise<FastSessionConfig> {
  const ctx = await auth.$context;
  // Read through the general options type: the instance's own type only knows the keys auth.ts sets.
  const session = ctx.options.session as BetterAuthOptions["session"];
  const bearer = ctx.options.plugins?.find((p) => p.id === "bearer") as
    | { options?: { requireSignature?: boolean } }
    | undefined;
  return {
    secret: ctx.secret,
    sessionCookie: ctx.authCookies.sessionToken.name,
    deferCookies: [ctx.authCookies.sessionData.name, ctx.authCookies.dontRememberToken.name],
    expiresInS: ctx.sessionConfig.expiresIn,
    updateAgeS: ctx.sessionConfig.updateAge,
    refreshDisabled: Boolean(session?.disableSessionRefresh || session?.deferSessionRefresh),
    bearer: { enabled: Boolean(bearer), requireSignature: Boolean(bearer?.options?.requireSignature) },
  };
}

/** better-call signs `token` as base64(HMAC-SHA256(secret, token)): 43 characters and one `=`. */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
/** better-auth's session tokens are 32 alphanumerics; anything else takes the full path. */
const RAW_TOKEN = /^[A-Za-z0-9]{16,128}$/;

/** The session token inside `value` (`token.signature`) when the signature is exactly right. */
export function unsignToken(value: string, secret: string): string | null {
  const dot = value.indexOf(".");
  if (dot < 1 || dot !== value.lastIndexOf(".")) return null;
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!RAW_TOKEN.test(token) || !SIGNATURE.test(signature)) return null;
  const expected = createHmac("sha256", secret).update(token).digest();
  // Constant-time: a byte-by-byte compare would leak how much of a forged signature is right.
  return timingSafeEqual(expected, Buffer.from(signature, "base64")) ? token : null;
}

function decode(value: string): string | null {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * The session token a request carries, exactly as better-auth would read it, or null when the
 * request is not the plain case (then better-auth decides). Bearer first, as the bearer plugin
 * does: a raw token is accepted unless `requireSignature`, a `token.signature` must verify.
 */
export function tokenFromRequest(headers: Headers, cfg: FastSessionConfig): string | null {
  const cookie = headers.get("cookie") ?? "";
  if (cookie && cfg.deferCookies.some((name) => cookie.includes(name))) return null;
  const authorization = headers.get("authorization");
  if (authorization) {
    if (!cfg.bearer.enabled || authorization.slice(0, 7).toLowerCase() !== "bearer ") return null;
    const credential = authorization.slice(7).trim();
    // The plugin's order: no dot means a raw token (used as is), a dot means `token.signature`.
    if (!credential.includes("."))
      return cfg.bearer.requireSignature || !RAW_TOKEN.test(credential) ? null : credential;
    const decoded = decode(credential);
    return decoded ? unsignToken(decoded, cfg.secret) : null;
  }
  // One session cookie, no more: with duplicates, which one wins is better-call's business.
  const parts = cookie.split(";").filter((p) => p.trim().startsWith(`${cfg.sessionCookie}=`));
  if (parts.length !== 1) return null;
  const raw = (parts[0] as string).trim().slice(cfg.sessionCookie.length + 1);
  const value = decode(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
  return value ? unsignToken(value, cfg.secret) : null;
}

/** One row of the session ⋈ user lookup. */
interface SessionRow {
  user_id: string;
  expires_at: string | Date;
  created_at: string | Date;
  impersonated_by: string | null;
  email: string;
  name: string;
  image: string | null;
  email_verified: number | boolean;
  role: string | null;
  /** As stored: a writer may have left `1`, `"true"`, … (the rule reads every form). */
  banned: unknown;
  ban_expires: string | Date | null;
}

/** The lookup, written once per dialect; `user_sessions.token` has a unique index. */
function lookupSql(kind: Database["kind"]): string {
  const s = AUTH_SCHEMA.session;
  const u = AUTH_SCHEMA.core.user;
  const a = AUTH_SCHEMA.admin.user.fields;
  const i = AUTH_SCHEMA.admin.session.fields;
  return `select s.${s.fields.userId} as user_id, s.${s.fields.expiresAt} as expires_at,
      s.${s.fields.createdAt} as created_at, s.${i.impersonatedBy} as impersonated_by,
      u.email, u.name, u.image, u.${u.fields.emailVerified} as email_verified, u.role, u.banned,
      u.${a.banExpires} as ban_expires
    from ${s.modelName} s join ${u.modelName} u on u.id = s.${s.fields.userId}
    where s.token = ${kind === "postgres" ? "$1" : "?"}`;
}

const time = (v: string | Date): number => (v instanceof Date ? v.getTime() : new Date(v).getTime());

type Lookup = (token: string) => Promise<SessionRow | undefined>;

/**
 * The lookup. On SQLite it runs as a statement prepared once, on a connection of its own to the
 * same WAL file (readers never block the writer); through Kysely each call would prepare it again,
 * which costs four times the query. On PostgreSQL it is a named prepared statement on a small pool
 * of its own. (An in-memory SQLite database can only be read through the shared connection.)
 */
function createLookup(database: Database, databaseUrl: string): Lookup {
  const sql = lookupSql(database.kind);
  const file = database.kind === "sqlite" ? sqlitePath(databaseUrl) : ":memory:";
  if (database.kind === "sqlite" && file !== ":memory:") {
    let statement: SQLite.Statement<[string], SessionRow> | null = null;
    return async (token) => {
      if (!statement) {
        // Opened on first use: the file exists by then (migrations ran), and idle test apps open nothing.
        const conn = new SQLite(file, { fileMustExist: true });
        conn.pragma("busy_timeout = 5000");
        conn.pragma("query_only = true");
        statement = conn.prepare<[string], SessionRow>(sql);
      }
      return statement.get(token);
    };
  }
  if (database.kind === "postgres") {
    let pool: pg.Pool | null = null;
    return async (token) => {
      // A small pool of its own, so the lookup can be a named (server-side prepared) statement:
      // PostgreSQL parses and plans it once per connection instead of on every request.
      if (!pool) {
        pool = new pg.Pool({ connectionString: databaseUrl, max: 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
        // An idle connection the server closed is replaced on next use; it must not crash the process.
        pool.on("error", () => {});
      }
      return (await pool.query<SessionRow>({ name: "gatehouse_fast_session", text: sql, values: [token] })).rows[0];
    };
  }
  const compiled = (token: string) => CompiledQuery.raw(sql, [token]);
  return async (token) => (await database.db.executeQuery<SessionRow>(compiled(token))).rows[0];
}

/** Where the fast path reads from and which instance's rules it follows. */
export interface FastSessionDeps {
  auth: Auth;
  database: Database;
  /** DATABASE_URL, to open the SQLite file for the prepared statement. */
  databaseUrl: string;
}

/** GET /api/auth/me, answered from one query when it can be; mount before sessionRoutes. */
export function fastSessionRoutes({ auth, database, databaseUrl }: FastSessionDeps): Hono {
  const app = new Hono();
  const lookup = createLookup(database, databaseUrl);
  let config: Promise<FastSessionConfig> | null = null;

  app.get("/api/auth/me", async (c, next) => {
    config ??= fastSessionConfig(auth);
    const cfg = await config;
    const token = tokenFromRequest(c.req.raw.headers, cfg);
    if (!token) return next();
    const row = await lookup(token);
    if (!row) return next();
    const now = Date.now();
    // The rule's refusals (and their revocation) are better-auth's path's to make.
    const refused = sessionViolation(
      { expiresAt: row.expires_at, createdAt: row.created_at, impersonatedBy: row.impersonated_by },
      { banned: row.banned, banExpires: row.ban_expires },
      now,
    );
    // better-auth extends a session once it is `updateAge` old; let it.
    const expiresAt = time(row.expires_at);
    const dueForRefresh = !cfg.refreshDisabled && expiresAt - cfg.expiresInS * 1000 + cfg.updateAgeS * 1000 <= now;
    if (refused || dueForRefresh) return next();
    c.header("Cache-Control", "no-store");
    return c.json({
      id: row.user_id,
      email: row.email,
      name: row.name,
      image: row.image ?? null,
      emailVerified: Boolean(row.email_verified),
      role: canonicalRole(row.role),
    });
  });

  return app;
}
