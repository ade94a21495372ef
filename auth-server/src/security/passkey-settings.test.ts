import { describe, expect, it } from "vitest";
import { passkeySettingsProblems } from "./passkey-settings.js";

const check = (origin: string, rpId: string) =>
  passkeySettingsProblems({ PASSKEY_ORIGIN: origin, PASSKEY_RP_ID: rpId });

describe("passkey relying-party settings (checked at start-up)", () => {
  it("accepts the origin's host or a parent domain, https or localhost", () => {
    expect(check("https://app.example.com", "example.com")).toEqual([]);
    expect(check("https://example.com", "example.com")).toEqual([]);
    expect(check("http://localhost:5173", "localhost")).toEqual([]);
  });

  it("refuses http off localhost, an unrelated RP ID, a bare TLD and URL-shaped IDs", () => {
    expect(check("http://app.example.com", "example.com")[0]).toMatch(/https/);
    expect(check("https://app.example.com", "other.com")[0]).toMatch(/parent domain/);
    expect(check("https://app.example.com", "notexample.com")[0]).toMatch(/parent domain/);
    expect(check("https://app.example.com", "com")[0]).toMatch(/top-level/);
    expect(check("https://app.example.com", "https://example.com")[0]).toMatch(/bare host/);
  });
});
