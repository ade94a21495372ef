import { Writable } from "node:stream";
import { APIError } from "better-auth/api";
import { describe, expect, it } from "vitest";
import {
  createLogger,
  devMessage,
  logAuthError,
  logBetterAuth,
  logfmt,
  loggedPath,
  requestLogLevel,
} from "./logger.js";

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe("development log line", () => {
  it("writes a request as method, path, status and duration, then the rest as key=value", () => {
    const line = devMessage({
      msg: "request",
      method: "GET",
      path: "/api/auth/get-session",
      status: 200,
      duration_ms: 3.1,
      request_id: "abc",
      service: "auth-server",
      time: "x",
    });
    expect(line).toBe("GET /api/auth/get-session 200 3.1ms request_id=abc");
  });

  it("quotes values with spaces and drops the fields the line already shows", () => {
    expect(logfmt({ msg: "m", url: "http://127.0.0.1:3000", note: "two words", n: 2, gone: null, pid: 1 })).toBe(
      'url=http://127.0.0.1:3000 note="two words" n=2',
    );
    expect(devMessage({ msg: "auth server listening", url: "http://x" })).toBe("auth server listening url=http://x");
  });
});

describe("levels", () => {
  it("keeps every request line at info in JSON and demotes successes and refusals to debug in dev", () => {
    expect(requestLogLevel(200, "json")).toBe("info");
    expect(requestLogLevel(404, "json")).toBe("info");
    expect(requestLogLevel(200, "pretty")).toBe("debug");
    expect(requestLogLevel(401, "pretty")).toBe("debug");
    expect(requestLogLevel(503, "pretty")).toBe("error");
  });

  it("logs a refused request (a person's mistake) at info with its code, a server fault at error", () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    logAuthError(
      logger,
      new APIError("TOO_MANY_REQUESTS", { code: "RATE_LIMITED", message: "Too many failed sign-ins." }),
    );
    logAuthError(logger, new APIError("INTERNAL_SERVER_ERROR", { message: "boom" }));
    logAuthError(logger, new Error("not an API error"));
    logAuthError(logger, new APIError("FOUND")); // a redirect is no error at all
    expect(lines.map((l) => [l.level, l.code ?? null])).toEqual([
      [30, "RATE_LIMITED"],
      [50, null],
      [50, null],
    ]);
    expect(lines[0]?.msg).toBe("Too many failed sign-ins.");
  });
});

describe("what clients send", () => {
  it("never logs a reset link's token in a request path", () => {
    expect(loggedPath("/api/auth/reset-password/AbC123xyz")).toBe("/api/auth/reset-password/[redacted]");
    expect(loggedPath("/api/auth/reset-password")).toBe("/api/auth/reset-password");
    expect(loggedPath("/api/auth/get-session")).toBe("/api/auth/get-session");
  });

  it("logs better-auth's refusals of client input at warn, escaped and cut, and its faults at error", () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    logBetterAuth(logger, "error", 'Invalid callbackURL: https://evil.example/\n{"level":50}');
    logBetterAuth(logger, "error", "Failed to parse state");
    logBetterAuth(logger, "error", "Failed to create session");
    logBetterAuth(logger, "warn", `Invalid origin: ${"x".repeat(2000)}`);
    expect(lines.map((l) => l.level)).toEqual([40, 40, 50, 40]);
    expect(lines[0]?.msg).toBe('Invalid callbackURL: https://evil.example/\\u000a{"level":50}');
    expect(String(lines[3]?.msg).length).toBe(500);
  });
});
