// The auth server's registry, read as the contract: a code it can send must have words here.
import { OAuthErrorCode as SERVER_CODES } from "../../../auth-server/src/oauth/error-codes";
import { toAppError } from "./errors";
import { OAUTH_MESSAGES, oauthRedirectError } from "./oauth-errors";

describe("oauthRedirectError", () => {
  it("has a message for every code the auth server redirects with", () => {
    const missing = Object.keys(SERVER_CODES).filter((code) => !Object.hasOwn(OAUTH_MESSAGES, code));
    expect(missing).toEqual([]);
  });

  it("reads a known code", () => {
    expect(oauthRedirectError("ACCESS_DENIED")).toEqual({
      code: "ACCESS_DENIED",
      message: "You cancelled the sign-in at the provider. Nothing was changed.",
    });
    expect(oauthRedirectError("PROVIDER_EMAIL_NOT_VERIFIED")?.message).toMatch(/not verified this email/);
  });

  it("never echoes an unknown value from the address bar", () => {
    expect(oauthRedirectError("<script>alert(1)</script>")).toEqual({
      code: "OAUTH_FAILED",
      message: "Sign-in with the provider failed. Try again.",
    });
    expect(oauthRedirectError("toString")?.code).toBe("OAUTH_FAILED"); // no prototype lookups
  });

  it("is nothing without an error", () => {
    expect(oauthRedirectError(null)).toBeNull();
    expect(oauthRedirectError("")).toBeNull();
  });
});

describe("OAuth and sign-in method errors from JSON answers", () => {
  it.each([
    [{ code: "PROVIDER_UNAVAILABLE", message: "x", status: 503 }, "The sign-in provider is unreachable right now."],
    [{ code: "ISSUER_MISMATCH", message: "x", status: 502 }, "did not come from the expected provider"],
    [{ code: "PROVIDER_NOT_FOUND", message: "Provider not found", status: 404 }, "not enabled"],
    [{ code: "FAILED_TO_UNLINK_LAST_ACCOUNT", message: "x", status: 400 }, "only way to sign in"],
    [{ code: "SESSION_NOT_FRESH", message: "x", status: 403 }, "sign in again"],
  ])("%o reads well", (body, text) => {
    expect(toAppError(body).message).toContain(text);
  });
});
