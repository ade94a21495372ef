import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PLACEHOLDER_SECRETS } from "../contract.gen.js";
import { REPO_ROOT } from "../db/database.js";
import { ConfigError, loadEnv } from "../env.js";
import { isInsecureUrl, weakSecretReason } from "./secret-strength.js";

const STRONG = randomBytes(32).toString("base64");
const envExampleSecret = (): string =>
  (
    readFileSync(resolve(REPO_ROOT, ".env.example"), "utf8").match(/^BETTER_AUTH_SECRET=(.*)$/m) as RegExpMatchArray
  )[1] as string;

const production = (overrides: Record<string, string>) =>
  loadEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: STRONG, SMTP_URL: "smtp://mail:25", ...overrides });

/** Issue 12 item 17: what production refuses, the same as the backend (backend/app/core/secret_strength.py). */
describe("production configuration", () => {
  it.each([
    ...PLACEHOLDER_SECRETS.map((s) => [`placeholder ${s}`, s]),
    [".env.example's", envExampleSecret()],
    ["upper-cased placeholder", "CHANGE-ME"],
    ["one letter repeated (32)", "a".repeat(32)],
    ["one letter repeated (64)", "Z".repeat(64)],
    ["a unit repeated", "abcdefgh".repeat(4)],
    ["hex digits in order, twice", "0123456789abcdef".repeat(2)],
    ["three letters, 41 characters", `${"ab".repeat(20)}c`],
  ])("refuses a %s secret", (_what, secret) => {
    expect(weakSecretReason(secret as string)).not.toBeNull();
    expect(() => production({ BETTER_AUTH_SECRET: secret as string })).toThrow(/BETTER_AUTH_SECRET/);
  });

  it("accepts random secrets, and the entropy floor keeps 1,000 draws of `openssl rand -hex 16`", () => {
    for (const secret of [STRONG, randomBytes(16).toString("hex"), randomBytes(32).toString("base64url")]) {
      expect(production({ BETTER_AUTH_SECRET: secret }).BETTER_AUTH_SECRET).toBe(secret);
    }
    for (let i = 0; i < 1000; i++) expect(weakSecretReason(randomBytes(16).toString("hex"))).toBeNull();
  });

  it.each([
    ["BETTER_AUTH_URL", "http://auth.example.com"],
    ["FRONTEND_URL", "http://app.example.com"],
    ["CORS_ORIGINS", "https://app.example.com,http://app.example.com"],
    ["BETTER_AUTH_URL", "http://10.0.0.5:3000"],
  ])("refuses a plain-http %s (%s)", (name, value) => {
    expect(() => production({ [name]: value })).toThrow(ConfigError);
    expect(() => production({ [name]: value })).toThrow(new RegExp(`${name}: http://`));
  });

  it("accepts https, and plain http on loopback only (traffic never leaves the machine)", () => {
    for (const url of [
      "https://auth.example.com",
      "http://localhost:8080",
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
    ]) {
      expect(production({ BETTER_AUTH_URL: url, FRONTEND_URL: url, CORS_ORIGINS: url }).BETTER_AUTH_URL).toBe(url);
    }
    expect(isInsecureUrl("http://app.localhost")).toBe(false);
    expect(isInsecureUrl("http://localhost.evil.example")).toBe(true);
  });

  it("applies none of this outside production", () => {
    expect(loadEnv({ BETTER_AUTH_SECRET: "a".repeat(32), BETTER_AUTH_URL: "http://auth.example.com" })).toBeTruthy();
  });
});
