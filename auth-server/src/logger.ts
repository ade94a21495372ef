import { createRequire } from "node:module";
import pino from "pino";
import type { PrettyOptions } from "pino-pretty";

/** `json`: one JSON object per line (production, log shippers). `pretty`: one readable line (make dev). */
export type LogFormat = "json" | "pretty";

/** Fields shown by the line itself (time, level, message) or constant in one process (pid, service). */
const SHOWN = new Set(["time", "level", "msg", "pid", "hostname", "service", "err"]);

/** `key=value`, quoted when the value has spaces; what a person scans for in a development terminal. */
export function logfmt(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([k, v]) => !SHOWN.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => {
      const s = typeof v === "string" ? v : JSON.stringify(v);
      return `${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
    })
    .join(" ");
}

/**
 * The message part of the development line; pino-pretty puts time and level before it, so a line
 * reads `14:03:07 INFO: auth server listening url=http://127.0.0.1:3000`, a request
 * `14:03:07 DEBUG: GET /api/auth/get-session 200 3.1ms request_id=…` — the layout the backend's
 * DevFormatter writes too. An error's stack follows on the next lines.
 */
export function devMessage(log: Record<string, unknown>): string {
  if (log.msg === "request" && typeof log.method === "string") {
    const { method, path, status, duration_ms, ...rest } = log;
    const tail = logfmt(rest);
    return `${method} ${String(path)} ${String(status)} ${String(duration_ms)}ms${tail ? ` ${tail}` : ""}`;
  }
  const tail = logfmt(log);
  const err = log.err as { stack?: unknown; message?: unknown } | undefined;
  const trace = err ? `\n${String(err.stack ?? err.message)}` : "";
  return `${String(log.msg ?? "")}${tail ? ` ${tail}` : ""}${trace}`;
}

function prettyStream(): pino.DestinationStream {
  // Loaded only for the development format, so production never pays for it.
  const pretty = createRequire(import.meta.url)("pino-pretty") as (o: PrettyOptions) => pino.DestinationStream;
  return pretty({
    colorize: process.env.NO_COLOR === undefined && (process.env.FORCE_COLOR === "1" || process.stdout.isTTY),
    translateTime: "SYS:HH:MM:ss",
    ignore: "pid,hostname,service",
    hideObject: true,
    messageFormat: (log) => devMessage(log as Record<string, unknown>),
    // `[14:03:07] INFO:` would be pino-pretty's default; the backend writes the same shape.
    customPrettifiers: { time: (t) => String(t) },
    sync: true,
  });
}

/**
 * The auth server's logger. Redaction is a second line of defence: code never logs bodies or
 * credentials. `format` comes from LOG_FORMAT (json unless set; `make dev` sets pretty).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = "json",
): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "auth-server" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "newPassword",
        "currentPassword",
        "token",
        "*.password",
        "*.token",
        "headers.authorization",
        "headers.cookie",
      ],
      censor: "[redacted]",
    },
  };
  const out = destination ?? (format === "pretty" ? prettyStream() : undefined);
  return out ? pino(options, out) : pino(options);
}

/**
 * Level of one request line: in the development format below 500 they are `debug` (the terminal
 * shows what matters: starts, warnings, a person's mistakes via logAuthError, failures). The
 * JSON format keeps every request at `info`, which log shippers and the tests count on.
 */
export function requestLogLevel(status: number, format: LogFormat): pino.Level {
  if (format === "json") return "info";
  return status >= 500 ? "error" : "debug";
}

/**
 * better-auth's `onAPIError.onError`. Left alone, better-auth logs every refused request (a wrong
 * password, an expired link, a lockout) at `error`; those are a person's mistakes, not faults:
 * `info` with their code. Anything 5xx or not an APIError stays `error`.
 */
export function logAuthError(logger: pino.Logger, err: unknown): void {
  const e = err as { statusCode?: unknown; body?: { code?: unknown }; message?: unknown };
  const status = typeof e?.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    logger.info({ status, code: e.body?.code }, typeof e.message === "string" ? e.message : "request refused");
  } else if (status >= 500) {
    logger.error({ err }, "better-auth error");
  }
}

/** Paths whose last segment is a secret (a password reset link's token, better-auth's GET /reset-password/:token). */
const SECRET_SEGMENT = /^(\/api\/auth\/reset-password\/)[^/]+/;

/** The path as a request line logs it: secrets in it replaced, so a log never holds a usable link. */
export function loggedPath(path: string): string {
  return path.replace(SECRET_SEGMENT, "$1[redacted]");
}

/**
 * better-auth's own `error` messages that answer a client's input (a refused origin or callback
 * URL, a cross-site navigation, a WebAuthn answer or OAuth state that does not verify, a
 * provider that does not exist): refusals,
 * not faults of the server, so they are logged at `warn`.
 */
const CLIENT_CAUSED = [
  /^Invalid (origin|callbackURL|redirectURL|errorCallbackURL|newUserCallbackURL|redirectTo)\b/,
  /^Blocked cross-site navigation/,
  /^Failed to verify (registration|authentication)$/,
  /^State not found/,
  /^Failed to parse state/,
  /^INVALID_CALLBACK_REQUEST/,
  /^No callback URL found/,
  /^Provider not found\b/,
  /^Provider does not support id token verification/,
];

/** Control characters a client may put in a URL or body, written as escapes so a line stays one line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const MAX_MESSAGE = 500;

/**
 * better-auth's `logger.log`: its messages go to our logger, client-caused errors (CLIENT_CAUSED)
 * at `warn`, with what a client put in them escaped and cut to 500 characters.
 */
export function logBetterAuth(logger: pino.Logger, level: "debug" | "info" | "warn" | "error", message: string): void {
  const text = String(message)
    .slice(0, MAX_MESSAGE)
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const at = level === "error" && CLIENT_CAUSED.some((p) => p.test(text)) ? "warn" : level;
  logger[at]({ source: "better-auth" }, text);
}

export type Logger = pino.Logger;
