import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

const KB10 = "p".repeat(10 * 1024);
const MB1 = "p".repeat(1024 * 1024);

interface Case {
  name: string;
  method?: string;
  path: string;
  /** A string is sent verbatim (malformed JSON); anything else is JSON-encoded. */
  body?: unknown;
  status?: number;
  code?: string;
}

const CASES: Case[] = [
  { name: "malformed JSON on sign-in", path: "/api/auth/sign-in/email", body: "{bad json", code: "BAD_REQUEST" },
  { name: "malformed JSON on sign-up", path: "/api/auth/sign-up/email", body: '{"email": ' },
  { name: "email as a number", path: "/api/auth/sign-in/email", body: { email: 42, password: STRONG_PASSWORD } },
  {
    name: "password as an object",
    path: "/api/auth/sign-up/email",
    body: { email: "x@example.com", password: { a: 1 }, name: "x" },
  },
  { name: "missing password", path: "/api/auth/sign-in/email", body: { email: "x@example.com" } },
  { name: "missing everything", path: "/api/auth/sign-up/email", body: {} },
  { name: "array body", path: "/api/auth/sign-up/email", body: [1, 2, 3] },
  {
    name: "invalid email",
    path: "/api/auth/sign-up/email",
    body: { email: "not-an-email", password: STRONG_PASSWORD, name: "x" },
  },
  {
    name: "short password on sign-up",
    path: "/api/auth/sign-up/email",
    body: { email: "s@example.com", password: "short", name: "x" },
    code: "PASSWORD_TOO_SHORT",
  },
  {
    name: "10 KB password on sign-up",
    path: "/api/auth/sign-up/email",
    body: { email: "l@example.com", password: KB10, name: "x" },
    code: "PASSWORD_TOO_LONG",
  },
  {
    name: "10 KB password on sign-in",
    path: "/api/auth/sign-in/email",
    body: { email: "victim@example.com", password: KB10 },
    code: "PASSWORD_TOO_LONG",
  },
  {
    name: "10 KB password on reset",
    path: "/api/auth/reset-password",
    body: { token: "whatever", newPassword: KB10 },
    code: "PASSWORD_TOO_LONG",
  },
  {
    name: "1 MB password on sign-up",
    path: "/api/auth/sign-up/email",
    body: { email: "m@example.com", password: MB1, name: "x" },
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "1 MB password on sign-in",
    path: "/api/auth/sign-in/email",
    body: { email: "victim@example.com", password: MB1 },
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "oversize body on reset request",
    path: "/api/auth/request-password-reset",
    body: { email: "a@example.com", pad: "x".repeat(70_000) },
    status: 413,
  },
  {
    name: "unknown auth route",
    method: "GET",
    path: "/api/auth/definitely-not-a-route",
    status: 404,
    code: "NOT_FOUND",
  },
  { name: "unknown top-level route", method: "GET", path: "/nope", status: 404, code: "NOT_FOUND" },
  { name: "wrong method on sign-in", method: "GET", path: "/api/auth/sign-in/email" },
  { name: "verify with garbage token", method: "GET", path: "/api/auth/verify-email?token=garbage" },
  {
    name: "reset without token",
    path: "/api/auth/reset-password",
    body: { newPassword: STRONG_PASSWORD },
    code: "INVALID_TOKEN",
  },
];

describe.each(DB_KINDS)("bad input on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
    await signUpVerified(s, "victim@example.com");
  });
  afterAll(async () => {
    await s.close();
  });

  it.each(CASES)("$name → 4xx {code, message}", async ({ method = "POST", path, body, status, code }) => {
    const init: RequestInit & { json?: unknown } = { method };
    if (typeof body === "string") {
      init.body = body;
      init.headers = { "Content-Type": "application/json" };
    } else if (body !== undefined) init.json = body;
    const hashesBefore = s.hashCalls();
    const res = await s.call(path, init);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (status) expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const json = (await res.json()) as { code: unknown; message: unknown };
    expect(json.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(typeof json.message).toBe("string");
    if (code) expect(json.code).toBe(code);
    // A long password must cost nothing: it never reaches argon2 (not even the dummy hash
    // better-auth runs for unknown emails).
    if (JSON.stringify(body ?? "").length > 5000) expect(s.hashCalls()).toBe(hashesBefore);
  });
});
