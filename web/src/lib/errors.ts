import { OAUTH_MESSAGES } from "./oauth-errors";

/**
 * One error shape for the whole UI. Both services answer `{code, message}`; the network can fail
 * with neither. Pages switch on `code` and show `message`, which is always a sentence for people.
 */
export interface AppError {
  code: string;
  message: string;
  status: number;
  /** Seconds until trying again can work (the answer's Retry-After), for RATE_LIMITED. */
  retryAfter?: number;
}

/**
 * Seconds from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable. Never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Friendlier wording for codes people actually meet; anything else keeps the server's message. */
const MESSAGES: Record<string, string> = {
  ...OAUTH_MESSAGES,
  NETWORK_ERROR: "Can't reach the server. Check your connection and try again.",
  INVALID_EMAIL_OR_PASSWORD: "That email and password don't match an account.",
  EMAIL_NOT_VERIFIED: "Please verify your email address first. We can send the link again.",
  USER_ALREADY_EXISTS: "An account with this email already exists.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with this email already exists. Use another email.",
  TOKEN_EXPIRED: "This link has expired. Request a new one.",
  INVALID_TOKEN: "This link is invalid or has already been used.",
  INVALID_PASSWORD: "The password is not correct.",
  PASSWORD_TOO_SHORT: "The password is too short (at least 8 characters).",
  PASSWORD_TOO_LONG: "The password is too long (at most 128 characters).",
  BANNED_USER: "This account has been suspended.",
  RATE_LIMITED: "Too many attempts. Wait a moment and try again.",
  PASSWORD_TOO_COMMON: "This password is one of the most common ones and easy to guess. Choose another.",
  INTERNAL_ERROR: "Something went wrong on our side. Please try again.",
  SESSION_EXPIRED: "Your session has ended. Please sign in again.",
  UNAUTHORIZED: "Your session has ended. Please sign in again.",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Turns whatever a request produced (better-auth client error, `{code,message}` body, thrown
 * TypeError from fetch) into an AppError with a readable message.
 */
export function toAppError(err: unknown, status = 0): AppError {
  if (err instanceof TypeError) return { code: "NETWORK_ERROR", message: MESSAGES.NETWORK_ERROR as string, status: 0 };
  if (err instanceof Error && !("code" in err)) return { code: "ERROR", message: err.message, status };
  // Anything else is a body: `{code, message}`, FastAPI's `{detail}`, or text from a proxy.
  const rec: Record<string, unknown> = isRecord(err) ? err : {};
  const st = typeof rec.status === "number" ? rec.status : status;
  const code =
    typeof rec.code === "string" && rec.code
      ? rec.code
      : st >= 500
        ? "INTERNAL_ERROR"
        : st === 429
          ? "RATE_LIMITED"
          : "ERROR";
  const raw = typeof rec.message === "string" && rec.message ? rec.message : undefined;
  // FastAPI's own 422 carries `detail`; keep its first message readable.
  const detail = Array.isArray(rec.detail) && isRecord(rec.detail[0]) ? String(rec.detail[0].msg ?? "") : undefined;
  const message =
    MESSAGES[code] ?? raw ?? detail ?? (st >= 500 ? (MESSAGES.INTERNAL_ERROR as string) : "The request failed.");
  const retryAfter = typeof rec.retryAfter === "number" ? rec.retryAfter : undefined;
  return retryAfter === undefined ? { code, message, status: st } : { code, message, status: st, retryAfter };
}

/** Thrown by request helpers so callers can `catch (e) { setError(toAppError(e)) }` uniformly. */
export class RequestError extends Error implements AppError {
  override name = "RequestError";
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  static from(err: unknown, status = 0): RequestError {
    const e = toAppError(err, status);
    return new RequestError(e.code, e.message, e.status, e.retryAfter);
  }
}

/**
 * Unwraps a better-auth client result (`{data, error}`), throwing a RequestError on error so pages
 * can use one try/catch for every call.
 */
export function unwrap<T>(result: { data: T | null; error: unknown }): T {
  if (result.error) throw RequestError.from(result.error);
  return result.data as T;
}

/**
 * better-auth client fetch options that remember the answer's Retry-After; pass `.options` to a
 * call and `.unwrap` its result, so a RATE_LIMITED error carries the real wait.
 */
export function withRetryAfter(): {
  options: { onError: (ctx: { response: Response }) => void };
  unwrap: <T>(result: { data: T | null; error: unknown }) => T;
} {
  let retryAfter: number | undefined;
  return {
    options: {
      onError: (ctx) => {
        retryAfter = parseRetryAfter(ctx.response.headers.get("Retry-After"));
      },
    },
    unwrap: (result) => {
      if (result.error && typeof result.error === "object")
        throw RequestError.from(retryAfter === undefined ? result.error : { ...result.error, retryAfter });
      return unwrap(result);
    },
  };
}
