import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import {
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  TEST_SECRET,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";
import { eventually } from "./support/gatehouse-on.js";

describe.each(DB_KINDS)("hardening on %s", (kind) => {
  let s: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    // The in-process caller stands for a trusted reverse proxy, so its X-Forwarded-For is believed.
    s = await startTestServer(
      kind,
      { LOG_LEVEL: "trace", TRUSTED_PROXIES: "127.0.0.1" },
      undefined,
      createLogger("trace", sink),
    );
  });
  afterAll(async () => {
    await s.close();
  });
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  it("sends security headers and no-store on auth answers", async () => {
    const res = await s.call("/api/auth/get-session");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-powered-by")).toBeNull();
    expect(res.headers.get("strict-transport-security")).toBeNull(); // plain-HTTP dev URL
    const health = await s.call("/health");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses the most common passwords on sign-up, change and reset", async () => {
    const up = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "common@example.com", password: "password1", name: "c" },
    });
    expect(up.status).toBe(400);
    expect(await up.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });
    const upper = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "common@example.com", password: "Qwertyuiop", name: "c" },
    });
    expect(await upper.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });

    const { token } = await signUpVerified(s, "changer@example.com");
    const change = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: bearer(token),
      json: { currentPassword: STRONG_PASSWORD, newPassword: "metallica" },
    });
    expect(change.status).toBe(400);
    expect(await change.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });

    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email: "changer@example.com" } });
    const reset = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: tokenFromOutbox(s.outbox, "changer@example.com", "/reset-password"), newPassword: "football1" },
    });
    expect(reset.status).toBe(400);
    expect(await reset.json()).toMatchObject({ code: "PASSWORD_TOO_COMMON" });
  });

  it("slows down one account after repeated failures, whatever the client IP, until a success", async () => {
    const email = "locked@example.com";
    await signUpVerified(s, email);
    const attempt = (password: string, ip: string) =>
      s.call("/api/auth/sign-in/email", {
        method: "POST",
        json: { email, password },
        headers: { "X-Forwarded-For": ip },
      });
    for (let i = 0; i < 5; i++) expect((await attempt("wrong password!", `198.51.100.${i}`)).status).toBe(401);
    // The rotation was believed: each failure is recorded from its own client address.
    // Audit rows are written after the answers: wait (bounded) for all five, never a fixed time.
    let ips: Array<{ ip: string | null }> = [];
    await eventually(
      async () => {
        ips = await s.gh.database.db
          .selectFrom("auth_events")
          .select("ip")
          .where("type", "=", "sign_in_failed")
          .where("ip", "like", "198.51.100.%")
          .execute();
        return ips.length >= 5;
      },
      5_000,
      "five sign_in_failed rows",
    );
    expect(new Set(ips.map((r) => r.ip)).size).toBe(5);
    const blocked = await attempt(STRONG_PASSWORD, "198.51.100.99");
    expect(blocked.status).toBe(429);
    const wait = Number(blocked.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(1);
    // The wait in words, singular when it is one second (the first throttled attempt's).
    expect(await blocked.json()).toEqual({
      code: "RATE_LIMITED",
      message: `Too many failed password attempts for this account. Try again in ${wait === 1 ? "1 second" : `${wait} seconds`}.`,
    });
    // An unknown email is throttled the same way: the lockout reveals nothing about accounts.
    for (let i = 0; i < 5; i++)
      await s.call("/api/auth/sign-in/email", {
        method: "POST",
        json: { email: "ghost@example.com", password: "wrong password!" },
      });
    expect(
      (
        await s.call("/api/auth/sign-in/email", {
          method: "POST",
          json: { email: "ghost@example.com", password: "x".repeat(9) },
        })
      ).status,
    ).toBe(429);

    // Once the delay has passed, the right password gets in and the streak is forgotten.
    const past = new Date(Date.now() - 1000);
    await s.gh.database.db
      .updateTable("auth_login_failures")
      .set({ locked_until: kind === "sqlite" ? past.toISOString() : past })
      .where("email", "=", email)
      .execute();
    expect((await attempt(STRONG_PASSWORD, "198.51.100.1")).status).toBe(200);
    const row = await s.gh.database.db
      .selectFrom("auth_login_failures")
      .selectAll()
      .where("email", "=", email)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it("keeps the caller's X-Request-ID, returns it, and logs it", async () => {
    const res = await s.call("/health", { headers: { "X-Request-ID": "req-abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-abc-123");
    expect(lines.some((l) => l.includes('"request_id":"req-abc-123"'))).toBe(true);
    const dotted = await s.call("/health", { headers: { "X-Request-ID": "web:1f.2-x_y" } });
    expect(dotted.headers.get("x-request-id")).toBe("web:1f.2-x_y");
    const hostile = await s.call("/health", { headers: { "X-Request-ID": 'a" "b<script>' } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await s.call("/health");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes no password, token or secret into the logs of a full sign-up, sign-in and reset", async () => {
    const email = "quiet@example.com";
    const { token, cookie } = await signUpVerified(s, email);
    const jwt = (await (await s.call("/api/auth/token", { headers: bearer(token) })).json()).token as string;
    await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password: "wrong password!" } });
    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    const resetToken = tokenFromOutbox(s.outbox, email, "/reset-password");
    await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: resetToken, newPassword: "fresh unusual passphrase" },
    });
    const verifyToken = tokenFromOutbox(s.outbox, email, "/verify-email");
    expect(lines.length).toBeGreaterThan(10);
    const log = lines.join("");
    // better-auth's own link (GET /reset-password/:token, what its client's mails point at): the
    // request line must not carry the token either.
    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    const linkToken = tokenFromOutbox(s.outbox, email, "/reset-password");
    await s.call(`/api/auth/reset-password/${linkToken}?callbackURL=${encodeURIComponent("http://localhost:5173/")}`);
    expect(lines.join("")).toContain('"path":"/api/auth/reset-password/[redacted]"');
    for (const secret of [
      linkToken,
      STRONG_PASSWORD,
      "wrong password!",
      "fresh unusual passphrase",
      TEST_SECRET,
      token,
      token.split(".")[0] as string,
      jwt,
      resetToken,
      verifyToken,
      cookie,
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it("logs what clients get wrong at info or warn, never error, and only server faults at error", async () => {
    const from = lines.length;
    const email = "mistakes@example.com";
    const { token } = await signUpVerified(s, email);
    const attempts: Array<[string, RequestInit & { json?: unknown }]> = [
      ["/api/auth/sign-in/email", { method: "POST", json: { email, password: "wrong password!" } }],
      [
        "/api/auth/sign-in/email",
        { method: "POST", body: "{bad json", headers: { "Content-Type": "application/json" } },
      ],
      [
        "/api/auth/sign-up/email",
        { method: "POST", json: { email: "x@example.com", name: "a\u202eb", password: "p" } },
      ],
      ["/api/auth/get-session", { headers: bearer("not-a-token") }],
      ["/api/auth/get-session", { headers: bearer(`${token.split(".")[0]}.forged-signature`) }],
      ["/api/auth/token", { headers: bearer("garbage") }],
      ["/api/auth/verify-email?token=forged-token", {}],
      [
        "/api/auth/reset-password",
        { method: "POST", json: { token: "forged", newPassword: "fresh unusual passphrase" } },
      ],
      ["/api/auth/sign-out", { method: "POST", json: {}, headers: { Origin: "https://evil.example" } }],
      [
        "/api/auth/sign-in/email",
        { method: "POST", json: { email, password: "x", callbackURL: "https://evil.example/\n" } },
      ],
      ["/api/auth/admin/list-users?sortBy=password", { headers: bearer(token) }],
      ["/api/auth/two-factor/send-otp", { method: "POST", json: {} }],
      ["/api/auth/no-such-route", {}],
      ["/api/auth/passkey/verify-authentication", { method: "POST", json: { response: { id: "x", rawId: "x" } } }],
      [
        "/api/auth/passkey/verify-registration",
        { method: "POST", json: { response: { id: "x" } }, headers: bearer(token) },
      ],
      ["/api/auth/callback/google?state=forged&code=x", {}],
      ["/api/auth/sign-in/social", { method: "POST", json: { provider: "nope" } }],
      ["/api/auth/sign-in/social", { method: "POST", json: { provider: "google", idToken: { token: "forged" } } }],
    ];
    for (const [path, init] of attempts) {
      const res = await s.call(path, init);
      expect(res.status, path).toBeLessThan(500);
    }
    const logged = lines.slice(from).flatMap((chunk) => chunk.split("\n").filter(Boolean));
    const parsed = logged.map((l) => JSON.parse(l) as { level: number; msg: string });
    const errors = parsed.filter((l) => l.level >= 50);
    expect(errors, JSON.stringify(errors)).toEqual([]);
    // The refusals are there, at info or warn.
    const warned = parsed.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warned).toEqual(
      expect.arrayContaining(["Failed to parse state", expect.stringMatching(/^Provider not found/)]),
    );
    expect(parsed.some((l) => l.level === 30 && l.msg === "Invalid JSON in request body")).toBe(true);
  });
});
