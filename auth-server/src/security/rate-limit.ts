import type { BetterAuthOptions } from "better-auth";
import type { Env } from "../env.js";

/**
 * better-auth's limiter, keyed by client IP and path. Counters live in the database (or Redis when
 * configured), never in process memory alone, so the limit holds across instances. Tighter rules
 * guard the endpoints that cost a password hash or send mail.
 */
export function rateLimitOptions(env: Env, hasRedis: boolean): NonNullable<BetterAuthOptions["rateLimit"]> {
  const window = env.RATE_LIMIT_WINDOW_SECONDS;
  return {
    enabled: env.RATE_LIMIT_ENABLED,
    storage: hasRedis ? "secondary-storage" : "database",
    modelName: "rate_limits",
    fields: { lastRequest: "last_request" },
    window,
    max: env.RATE_LIMIT_MAX,
    customRules: {
      "/sign-in/email": { window, max: env.RATE_LIMIT_SIGN_IN_MAX },
      "/sign-up/email": { window, max: env.RATE_LIMIT_SENSITIVE_MAX },
      "/request-password-reset": { window, max: env.RATE_LIMIT_SENSITIVE_MAX },
      "/reset-password": { window, max: env.RATE_LIMIT_SENSITIVE_MAX },
      "/send-verification-email": { window, max: env.RATE_LIMIT_SENSITIVE_MAX },
      "/change-password": { window, max: env.RATE_LIMIT_SENSITIVE_MAX },
      // The backend's service calls come from few addresses and carry a single-use signed token:
      // verifying it costs less than the limiter's own counter write, and a busy admin UI must
      // not be throttled as one client.
      "/internal/admin/*": false,
      // A session check reads one indexed row; the limiter's counter write would cost more than
      // the answer, and a 32-character random token cannot be guessed by repetition. Exempt, like
      // GET /api/auth/me, so a web app's focus refetches are never throttled (and the fast path
      // in routes/fast-session.ts may answer it).
      "/get-session": false,
    },
  };
}
