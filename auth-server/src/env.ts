import { isIP } from "node:net";
import { z } from "zod";
import { oauthSettingsProblems, oidcProvidersSetting } from "./oauth/config.js";
import { passkeySettingsProblems } from "./security/passkey-settings.js";
import { isInsecureUrl, weakSecretReason } from "./security/secret-strength.js";

const csv = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

/**
 * An integer setting written as digits (surrounding spaces allowed): "", " ", "1e1", "0x10", "-1" or
 * "10.5" are refused with a message, not read as numbers (`z.coerce.number()` took " " for 0, which
 * turned a limit off, and "0x10" for 16). The backend's settings refuse the same spellings.
 */
const whole = (rule: (n: z.ZodNumber) => z.ZodNumber = (n) => n) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    rule(z.number({ error: "must be a whole number (digits 0-9)" }).int()),
  );

const settings = z.object({
  /** `development` | `test` | `production`. Production turns on strict secret checks and hides dev routes. */
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /** Port the HTTP server listens on. */
  PORT: whole((n) => n.min(1).max(65535)).default(3000),
  /** Interface to bind; 127.0.0.1 in dev and tests, 0.0.0.0 in containers. */
  HOST: z.string().default("127.0.0.1"),
  /** `sqlite:<path>` (relative to the repo root) or `postgres://…`. Shared with the backend. */
  DATABASE_URL: z.string().default("sqlite:./data/gatehouse.db"),
  /**
   * PostgreSQL: seconds the client waits for one statement's answer (a slow statement, a server
   * that stalled, a network gone silent) before the request is answered 503 DATABASE_UNAVAILABLE
   * and the connection discarded (default 10, as the backend's). 0: no limit. Migrations run
   * without it. SQLite: unused (busy timeout).
   */
  DATABASE_STATEMENT_TIMEOUT_SECONDS: whole((n) => n.min(0).max(3600)).default(10),
  /** HMAC and encryption secret (≥ 32 characters in production). Shared with the backend. */
  BETTER_AUTH_SECRET: z.string().default(""),
  /** Public URL of this server; default issuer/audience of JWTs and base of links. */
  BETTER_AUTH_URL: z.url().default("http://localhost:3000"),
  /**
   * Web app URL used in mail links (`/verify-email`, `/reset-password`) when the client names no
   * `callbackURL` / `redirectTo` of its own (email/links.ts).
   */
  FRONTEND_URL: z.url().default("http://localhost:5173"),
  /** Comma-separated origins allowed by CORS and by better-auth's `trustedOrigins`. */
  CORS_ORIGINS: csv,
  /** JWT `iss`; defaults to BETTER_AUTH_URL. */
  JWT_ISSUER: z.string().optional(),
  /** JWT `aud`; defaults to BETTER_AUTH_URL. */
  JWT_AUDIENCE: z.string().optional(),
  /** JWT lifetime in seconds (default 15 minutes). */
  JWT_EXPIRES_IN_SECONDS: whole((n) => n.min(30).max(86_400)).default(900),
  /** Session lifetime in seconds (default 7 days). */
  SESSION_EXPIRES_IN_SECONDS: whole((n) => n.min(60)).default(7 * 24 * 3600),
  /** A session is extended when used after this many seconds (default 24 hours). */
  SESSION_UPDATE_AGE_SECONDS: whole((n) => n.min(0)).default(24 * 3600),
  /**
   * Kept so existing .env files still load; only 0 is accepted. better-auth's signed
   * session-cookie cache answers get-session from the cookie alone, so a revoked, banned or
   * over-age session would stay valid on the auth server for the cache's lifetime: no cookie
   * may skip the session rule (plugins/session-rule).
   */
  SESSION_COOKIE_CACHE_SECONDS: whole((n) =>
    n.refine((v) => v === 0, {
      message:
        "must be 0: a session-cookie cache would let a revoked or banned session through until it expires (remove the setting)",
    }),
  ).default(0),
  /**
   * Sessions' last-active time is written at most once per this many seconds per session and
   * instance (default 60); 0 turns recording off. Session lists show it to people and admins.
   */
  SESSION_ACTIVITY_INTERVAL_SECONDS: whole((n) => n.min(0).max(3600)).default(60),
  /** Comma-separated emails that become admins when their account is created. */
  ADMIN_EMAILS: csv,
  /** `outbox` (keeps mail in memory, served at /api/dev/outbox), `smtp` or `resend`. */
  EMAIL_TRANSPORT: z.enum(["outbox", "smtp", "resend"]).optional(),
  /** Sender address of every mail. */
  EMAIL_FROM: z.string().default("Gatehouse <no-reply@gatehouse.local>"),
  /** smtp://user:pass@host:port (or smtps://) when EMAIL_TRANSPORT=smtp. */
  SMTP_URL: z.string().optional(),
  /** API key when EMAIL_TRANSPORT=resend. */
  RESEND_API_KEY: z.string().optional(),
  /** Per-IP rate limiting (better-auth's limiter). Default: on, except NODE_ENV=test. */
  RATE_LIMIT_ENABLED: z.enum(["true", "false"]).optional(),
  /** Rate-limit window in seconds. */
  RATE_LIMIT_WINDOW_SECONDS: whole((n) => n.min(1).max(86_400)).default(60),
  /** Requests per window per IP on any auth endpoint. */
  RATE_LIMIT_MAX: whole((n) => n.min(1)).default(100),
  /** Sign-in attempts per window per IP. */
  RATE_LIMIT_SIGN_IN_MAX: whole((n) => n.min(1)).default(10),
  /** Sign-up, reset, verification-mail and password-change requests per window per IP. */
  RATE_LIMIT_SENSITIVE_MAX: whole((n) => n.min(1)).default(5),
  /**
   * Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is
   * believed. Empty (default): the TCP peer is the client, whatever headers it sends.
   */
  TRUSTED_PROXIES: csv,
  /** redis://… turns on Redis secondary storage (shared rate limits, session cache). */
  REDIS_URL: z.string().optional(),
  /**
   * Google OAuth client id; Google sign-in is enabled when it and GOOGLE_CLIENT_SECRET are set.
   * Register the redirect URI {BETTER_AUTH_URL}/api/auth/callback/google with Google.
   */
  GOOGLE_CLIENT_ID: z.string().optional(),
  /** Google OAuth client secret (with GOOGLE_CLIENT_ID). */
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  /**
   * Generic OpenID Connect providers, a JSON array of
   * `{id, name, discoveryUrl, clientId, clientSecret, scopes?}`; each one's redirect URI is
   * {BETTER_AUTH_URL}/api/auth/callback/<id>. Default scopes: openid email profile.
   */
  OIDC_PROVIDERS: oidcProvidersSetting,
  /**
   * Largest request head (request line + headers) in bytes; larger ones get 431 HEADERS_TOO_LARGE.
   * Node's default maxHeaderSize, and the backend's MAX_HEADER_BYTES default: both refuse the same requests.
   */
  MAX_HEADER_BYTES: whole((n) => n.min(4096).max(1_048_576)).default(16_384),
  /** `true`: every admin route on both services needs a session signed in with a second factor (403 MFA_REQUIRED). */
  ADMIN_REQUIRE_MFA: z.enum(["true", "false"]).default("false"),
  /**
   * WebAuthn relying-party ID of passkeys: the web app's host or a registrable suffix of it
   * (WebAuthn §5.1.3). Default: FRONTEND_URL's host. Changing it orphans every passkey.
   */
  PASSKEY_RP_ID: z.string().optional(),
  /** Name the authenticator shows for passkeys. */
  PASSKEY_RP_NAME: z.string().default("Gatehouse"),
  /** Origin (scheme://host[:port]) where passkey ceremonies run; default FRONTEND_URL's origin. */
  PASSKEY_ORIGIN: z.url().optional(),
  /**
   * `true` serves the API reference: the OpenAPI document at /api/auth/openapi.json and its viewer
   * at /api/auth/reference (assets from this server only). Default: on, except NODE_ENV=production,
   * where a public description of every endpoint is opt-in.
   */
  API_REFERENCE_ENABLED: z.enum(["true", "false"]).optional(),
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `json` (default: one object per line) or `pretty` (one readable, coloured line; `make dev` sets it). */
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
});

/** Every variable the auth server reads (each appears, explained, in .env.example). */
export const SETTING_NAMES: readonly string[] = Object.keys(settings.shape);

const schema = settings.transform((e) => ({
  ...e,
  EMAIL_TRANSPORT: e.EMAIL_TRANSPORT ?? (e.NODE_ENV === "production" ? ("smtp" as const) : ("outbox" as const)),
  JWT_ISSUER: e.JWT_ISSUER ?? e.BETTER_AUTH_URL,
  JWT_AUDIENCE: e.JWT_AUDIENCE ?? e.BETTER_AUTH_URL,
  CORS_ORIGINS: e.CORS_ORIGINS.length > 0 ? e.CORS_ORIGINS : [e.FRONTEND_URL],
  ADMIN_EMAILS: e.ADMIN_EMAILS.map((m) => m.toLowerCase()),
  RATE_LIMIT_ENABLED: e.RATE_LIMIT_ENABLED ? e.RATE_LIMIT_ENABLED === "true" : e.NODE_ENV !== "test",
  ADMIN_REQUIRE_MFA: e.ADMIN_REQUIRE_MFA === "true",
  PASSKEY_ORIGIN: new URL(e.PASSKEY_ORIGIN ?? e.FRONTEND_URL).origin,
  PASSKEY_RP_ID: (e.PASSKEY_RP_ID ?? new URL(e.FRONTEND_URL).hostname).toLowerCase(),
  API_REFERENCE_ENABLED: e.API_REFERENCE_ENABLED ? e.API_REFERENCE_ENABLED === "true" : e.NODE_ENV !== "production",
}));

export type Env = z.infer<typeof schema>;

/** Thrown when the configuration cannot work; the message lists every problem. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates settings once, at start. Every problem is reported together in plain words so the
 * operator fixes the configuration in one go instead of one restart per mistake.
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  // An empty variable means "not set", so defaults apply (as in most .env tooling).
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".") || "(env)"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
  const env = parsed.data;
  const secret = env.BETTER_AUTH_SECRET;
  if (env.NODE_ENV === "production") {
    if (!secret) problems.push("BETTER_AUTH_SECRET is missing: set it to a random string of at least 32 characters.");
    else {
      const weak = weakSecretReason(secret);
      if (weak) problems.push(`BETTER_AUTH_SECRET ${weak}.`);
    }
    // Plain http anywhere but loopback: cookies lose Secure, mailed tokens and trusted origins travel in clear.
    for (const [name, urls] of [
      ["BETTER_AUTH_URL", [env.BETTER_AUTH_URL]],
      ["FRONTEND_URL", [env.FRONTEND_URL]],
      ["CORS_ORIGINS", env.CORS_ORIGINS],
    ] as const) {
      for (const url of urls) if (isInsecureUrl(url)) problems.push(`${name}: ${url} is plain http; use https://.`);
    }
    if (env.EMAIL_TRANSPORT === "outbox") problems.push("EMAIL_TRANSPORT=outbox is for development only.");
  } else if (!secret) {
    problems.push("BETTER_AUTH_SECRET is missing: run `make dev` once (it writes one into .env) or set it.");
  }
  if (env.EMAIL_TRANSPORT === "smtp" && !env.SMTP_URL) problems.push("EMAIL_TRANSPORT=smtp needs SMTP_URL.");
  if (env.EMAIL_TRANSPORT === "resend" && !env.RESEND_API_KEY)
    problems.push("EMAIL_TRANSPORT=resend needs RESEND_API_KEY.");
  for (const p of env.TRUSTED_PROXIES) {
    if (!isIP(p.split("/")[0] ?? "")) problems.push(`TRUSTED_PROXIES entry "${p}" is not an IP address or CIDR range.`);
  }
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL))
    problems.push("REDIS_URL must start with redis:// or rediss://.");
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(env.DATABASE_URL))
    problems.push("DATABASE_URL must start with sqlite: or postgres://.");
  problems.push(...oauthSettingsProblems(env), ...passkeySettingsProblems(env));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return env;
}
