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
  /** Content-Type of a verbatim body (application/json unless given). */
  contentType?: string;
  status?: number;
  code?: string;
}

const CASES: Case[] = [
  // The contract's codes for the edges, the backend's answers alike (backend/tests/integration/test_edge_answers.py).
  { name: "malformed JSON on sign-in", path: "/api/auth/sign-in/email", body: "{bad json", code: "INVALID_JSON" },
  { name: "malformed JSON on sign-up", path: "/api/auth/sign-up/email", body: '{"email": ', code: "INVALID_JSON" },
  {
    name: "a JSON body sent as text/plain",
    path: "/api/auth/sign-in/email",
    body: '{"email": "victim@example.com", "password": "x"}',
    contentType: "text/plain",
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  { name: "email as a number", path: "/api/auth/sign-in/email", body: { email: 42, password: STRONG_PASSWORD } },
  {
    name: "password as an object",
    path: "/api/auth/sign-up/email",
    body: { email: "x@example.com", password: { a: 1 }, name: "x" },
  },
  { name: "missing password", path: "/api/auth/sign-in/email", body: { email: "x@example.com" } },
  { name: "missing everything", path: "/api/auth/sign-up/email", body: {} },
  { name: "array body", path: "/api/auth/sign-up/email", body: [1, 2, 3] },
  // better-auth's own codes on its endpoints (contract INVALID_EMAIL): sign-up's schema says
  // VALIDATION_ERROR, sign-in's own check INVALID_EMAIL.
  {
    name: "invalid email on sign-up",
    path: "/api/auth/sign-up/email",
    body: { email: "not-an-email", password: STRONG_PASSWORD, name: "x" },
    code: "VALIDATION_ERROR",
  },
  {
    name: "invalid email on sign-in",
    path: "/api/auth/sign-in/email",
    body: { email: "not-an-email", password: STRONG_PASSWORD },
    code: "INVALID_EMAIL",
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
  // A served path with another method: 405 with Allow (checked below), as the backend answers.
  { name: "GET on sign-in", method: "GET", path: "/api/auth/sign-in/email", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "PUT on sign-in", method: "PUT", path: "/api/auth/sign-in/email", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "DELETE on a reset link", method: "DELETE", path: "/api/auth/reset-password/abc", status: 405 },
  { name: "POST on health", method: "POST", path: "/health", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "GET on a route not offered", method: "GET", path: "/api/auth/two-factor/send-otp", status: 404 },
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

  it.each(CASES)("$name → 4xx {code, message}", async ({ method = "POST", path, body, contentType, status, code }) => {
    const init: RequestInit & { json?: unknown } = { method };
    if (typeof body === "string") {
      init.body = body;
      init.headers = { "Content-Type": contentType ?? "application/json" };
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
    if (res.status === 405) expect(res.headers.get("allow")).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
    // A long password must cost nothing: it never reaches argon2 (not even the dummy hash
    // better-auth runs for unknown emails).
    if (JSON.stringify(body ?? "").length > 5000) expect(s.hashCalls()).toBe(hashesBefore);
  });

  it("names the methods a path is served with in Allow", async () => {
    const allowOf = async (method: string, path: string) => (await s.call(path, { method })).headers.get("allow");
    expect(await allowOf("GET", "/api/auth/sign-in/email")).toBe("POST");
    expect(await allowOf("DELETE", "/api/auth/reset-password/abc")).toBe("GET");
    expect(await allowOf("POST", "/health")).toBe("GET");
    // better-auth declares POST too, but answers it 405 itself (no deferSessionRefresh): not offered,
    // and its own 405 keeps its code (better-auth's clients know it) with the Allow it lacked.
    expect(await allowOf("PUT", "/api/auth/get-session")).toBe("GET");
    const post = await s.call("/api/auth/get-session", { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET"]);
    expect(((await post.json()) as { code: string }).code).toBe("METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED");
  });

  it("refuses no method with 405 on a path GET answers 404: nobody learns of a route that is not served", async () => {
    for (const path of [
      "/api/auth/open-api/generate-schema",
      "/api/auth/reference/nosuch",
      "/api/auth/reference/constructor",
    ]) {
      for (const method of ["GET", "POST", "PUT", "DELETE"]) {
        const res = await s.call(path, { method });
        expect([method, path, res.status, res.headers.get("allow")]).toEqual([method, path, 404, null]);
        expect(((await res.json()) as { code: string }).code).toBe("NOT_FOUND");
      }
    }
    // A served file still answers, and other methods on it are 405 with Allow.
    expect((await s.call("/api/auth/reference/swagger-ui.css")).status).toBe(200);
    expect((await s.call("/api/auth/reference/swagger-ui.css", { method: "POST" })).headers.get("allow")).toBe("GET");
  });

  it("answers HEAD as GET without a body wherever GET is served, better-auth's routes included", async () => {
    const me = await signUpVerified(s, "head@example.com");
    for (const [path, headers] of [
      ["/api/auth/get-session", { Cookie: me.cookie }],
      ["/api/auth/get-session", {}],
      ["/api/auth/ok", {}],
      ["/health", {}],
    ] as const) {
      const get = await s.call(path, { headers });
      const head = await s.call(path, { method: "HEAD", headers });
      expect([path, head.status]).toEqual([path, get.status]);
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      expect(await head.text()).toBe("");
    }
    const unknown = await s.call("/api/auth/definitely-not-a-route", { method: "HEAD" });
    expect(unknown.status).toBe(404);
    const refused = await s.call("/api/auth/sign-in/email", { method: "HEAD" });
    expect([refused.status, refused.headers.get("allow")]).toEqual([405, "POST"]);
  });
});
