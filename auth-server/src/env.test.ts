import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadEnv, SETTING_NAMES } from "./env.js";

const GOOD = "k3Jx9vQ2mL7pR4tY8wZ1aB5cD6eF0gH2";

describe("loadEnv", () => {
  it("fills defaults for local development", () => {
    const env = loadEnv({ BETTER_AUTH_SECRET: "dev-secret" });
    expect(env.DATABASE_URL).toBe("sqlite:./data/gatehouse.db");
    expect(env.EMAIL_TRANSPORT).toBe("outbox");
    expect(env.JWT_ISSUER).toBe("http://localhost:3000");
    expect(env.CORS_ORIGINS).toEqual(["http://localhost:5173"]);
    expect(env.SESSION_COOKIE_CACHE_SECONDS).toBe(0);
  });

  it("refuses a session-cookie cache: no cookie may answer for a session without the session rule", () => {
    expect(() => loadEnv({ BETTER_AUTH_SECRET: "dev-secret", SESSION_COOKIE_CACHE_SECONDS: "300" })).toThrow(
      /SESSION_COOKIE_CACHE_SECONDS/,
    );
    expect(
      loadEnv({ BETTER_AUTH_SECRET: "dev-secret", SESSION_COOKIE_CACHE_SECONDS: "0" }).SESSION_COOKIE_CACHE_SECONDS,
    ).toBe(0);
  });

  it.each(["DATABASE_STATEMENT_TIMEOUT_SECONDS", "SESSION_ACTIVITY_INTERVAL_SECONDS", "RATE_LIMIT_MAX", "PORT"])(
    "reads %s as digits only (a blank or another spelling of a number is refused, not taken for 0)",
    (name) => {
      for (const value of [" ", "1e1", "0x10", "-1", "10.5", "ten"])
        expect(() => loadEnv({ BETTER_AUTH_SECRET: "dev-secret", [name]: value }), `${name}=${value}`).toThrow(
          new RegExp(`${name}: must be a whole number`),
        );
      expect(loadEnv({ BETTER_AUTH_SECRET: "dev-secret", [name]: " 20 " })[name as "PORT"]).toBe(20);
    },
  );

  it("keeps a whole-number setting's bounds", () => {
    expect(() => loadEnv({ BETTER_AUTH_SECRET: "dev-secret", DATABASE_STATEMENT_TIMEOUT_SECONDS: "3601" })).toThrow(
      /DATABASE_STATEMENT_TIMEOUT_SECONDS/,
    );
    expect(loadEnv({ BETTER_AUTH_SECRET: "dev-secret" }).DATABASE_STATEMENT_TIMEOUT_SECONDS).toBe(10);
  });

  it.each([
    ["missing", undefined, /missing/],
    ["short", "short-secret", /shorter than 32/],
    ["placeholder", "replace-with-a-random-secret-of-at-least-32-characters", /placeholder/],
  ])("refuses a %s secret in production", (_name, secret, message) => {
    expect(() => loadEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: secret, SMTP_URL: "smtp://x" })).toThrow(
      message,
    );
  });

  it("accepts a real secret in production and defaults mail to smtp", () => {
    const env = loadEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: GOOD, SMTP_URL: "smtp://mail:25" });
    expect(env.EMAIL_TRANSPORT).toBe("smtp");
  });

  it("reports every problem at once", () => {
    try {
      loadEnv({ NODE_ENV: "production", EMAIL_TRANSPORT: "resend", DATABASE_URL: "mysql://x", PORT: "99999" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/PORT/);
    }
    try {
      loadEnv({ NODE_ENV: "production", EMAIL_TRANSPORT: "resend", DATABASE_URL: "mysql://x" });
      expect.unreachable();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toMatch(/BETTER_AUTH_SECRET/);
      expect(msg).toMatch(/RESEND_API_KEY/);
      expect(msg).toMatch(/DATABASE_URL/);
    }
  });

  it("derives the passkey relying party from FRONTEND_URL and refuses one that cannot work", () => {
    const env = loadEnv({ BETTER_AUTH_SECRET: "dev-secret", FRONTEND_URL: "https://app.example.com/" });
    expect(env.PASSKEY_RP_ID).toBe("app.example.com");
    expect(env.PASSKEY_ORIGIN).toBe("https://app.example.com");
    expect(env.ADMIN_REQUIRE_MFA).toBe(false);
    expect(() =>
      loadEnv({ BETTER_AUTH_SECRET: "dev-secret", FRONTEND_URL: "https://app.example.com", PASSKEY_RP_ID: "evil.com" }),
    ).toThrow(/PASSKEY_RP_ID/);
    expect(() => loadEnv({ BETTER_AUTH_SECRET: "dev-secret", FRONTEND_URL: "http://app.example.com" })).toThrow(
      /PASSKEY_ORIGIN/,
    );
  });
});

describe(".env.example", () => {
  // A setting missing there is one an operator never hears of.
  it("names every setting the auth server reads, each under a comment", () => {
    const lines = readFileSync(new URL("../../.env.example", import.meta.url), "utf8").split("\n");
    const assignment = /^#? ?([A-Z][A-Z0-9_]*)=/;
    const named = new Set(lines.map((l) => assignment.exec(l)?.[1]).filter(Boolean));
    expect(SETTING_NAMES.filter((name) => !named.has(name))).toEqual([]);
    lines.forEach((line, i) => {
      if (!/^[A-Z]/.test(line)) return;
      const above =
        lines
          .slice(0, i)
          .reverse()
          .find((l) => !assignment.test(l)) ?? "";
      expect(above.startsWith("# "), `${line.split("=")[0]} has no comment above it`).toBe(true);
    });
  });
});
