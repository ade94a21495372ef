import { describe, expect, it } from "vitest";
import { combineAmr, formatAmr, parseAmr, userVerifiedFlag } from "./amr.js";

describe("amr (RFC 8176)", () => {
  it("parses stored forms into known values in canonical order", () => {
    expect(parseAmr("otp pwd")).toEqual(["pwd", "otp"]);
    expect(parseAmr("pwd,mfa,otp")).toEqual(["pwd", "otp", "mfa"]);
    expect(parseAmr("face pwd")).toEqual(["pwd"]);
    expect(parseAmr(null)).toEqual([]);
    expect(formatAmr(["mfa", "otp", "pwd"])).toBe("pwd otp mfa");
  });

  it("adds mfa only for two factor categories or a user-verifying authenticator", () => {
    expect(combineAmr(["pwd"], ["otp"])).toEqual(["pwd", "otp", "mfa"]);
    expect(combineAmr([], ["otp"])).toEqual(["otp"]);
    expect(combineAmr([], ["hwk"])).toEqual(["hwk"]);
    expect(combineAmr([], ["swk"], true)).toEqual(["swk", "mfa"]);
  });

  it("reads the WebAuthn UV flag from authenticator data", () => {
    const data = Buffer.alloc(37);
    expect(userVerifiedFlag(data.toString("base64url"))).toBe(false);
    data[32] = 0x05; // UP | UV
    expect(userVerifiedFlag(data.toString("base64url"))).toBe(true);
    expect(userVerifiedFlag("short")).toBe(false);
    expect(userVerifiedFlag(42)).toBe(false);
  });
});
