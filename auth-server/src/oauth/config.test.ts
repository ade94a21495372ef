import { describe, expect, it } from "vitest";
import { ConfigError, loadEnv } from "../env.js";
import { enabledProviders } from "./config.js";

const BASE = { BETTER_AUTH_SECRET: "dev-secret" };
const acme = {
  id: "acme",
  name: "Acme SSO",
  discoveryUrl: "https://login.acme.test/realms/main/.well-known/openid-configuration",
  clientId: "gatehouse",
  clientSecret: "s3cret",
};

const load = (extra: Record<string, string>) => loadEnv({ ...BASE, ...extra });

describe("OAuth settings", () => {
  it("enables nothing by default", () => {
    const env = load({});
    expect(env.OIDC_PROVIDERS).toEqual([]);
    expect(enabledProviders(env)).toEqual([]);
  });

  it("parses OIDC_PROVIDERS, derives each issuer from its discovery URL and always asks for openid", () => {
    const env = load({
      GOOGLE_CLIENT_ID: "id.apps.googleusercontent.com",
      GOOGLE_CLIENT_SECRET: "secret",
      OIDC_PROVIDERS: JSON.stringify([acme, { ...acme, id: "corp", name: "Corp", scopes: ["email", "groups"] }]),
    });
    expect(env.OIDC_PROVIDERS[0]).toMatchObject({
      id: "acme",
      issuer: "https://login.acme.test/realms/main",
      scopes: ["openid", "email", "profile"],
    });
    expect(env.OIDC_PROVIDERS[1]?.scopes).toEqual(["openid", "email", "groups"]);
    expect(enabledProviders(env)).toEqual([
      { id: "google", name: "Google", type: "social" },
      { id: "acme", name: "Acme SSO", type: "oidc" },
      { id: "corp", name: "Corp", type: "oidc" },
    ]);
  });

  it.each([
    ["not JSON", "[{id: acme}]", /OIDC_PROVIDERS: is not valid JSON/],
    ["not an array", JSON.stringify(acme), /OIDC_PROVIDERS: .*array/i],
    [
      "a missing client secret",
      JSON.stringify([{ ...acme, clientSecret: undefined }]),
      /OIDC_PROVIDERS\.0\.clientSecret/,
    ],
    ["an id unfit for a URL", JSON.stringify([{ ...acme, id: "Acme SSO" }]), /OIDC_PROVIDERS\.0\.id: must be/],
    ["the reserved id google", JSON.stringify([{ ...acme, id: "google" }]), /OIDC_PROVIDERS\.0\.id: is reserved/],
    ["a duplicate id", JSON.stringify([acme, acme]), /OIDC_PROVIDERS\.1\.id: "acme" is used twice/],
    [
      "a discovery URL that is not one",
      JSON.stringify([{ ...acme, discoveryUrl: "https://login.acme.test/authorize" }]),
      /OIDC_PROVIDERS\.0\.discoveryUrl: must end with \/\.well-known\/openid-configuration/,
    ],
    ["an unknown field", JSON.stringify([{ ...acme, issuer: "https://x" }]), /OIDC_PROVIDERS\.0/],
  ])("refuses OIDC_PROVIDERS with %s, naming the field", (_, value, message) => {
    expect(() => load({ OIDC_PROVIDERS: value })).toThrow(ConfigError);
    expect(() => load({ OIDC_PROVIDERS: value })).toThrow(message);
  });

  it("needs both Google settings or neither", () => {
    expect(() => load({ GOOGLE_CLIENT_ID: "id" })).toThrow(/GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
    expect(() => load({ GOOGLE_CLIENT_SECRET: "secret" })).toThrow(/GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
  });

  it("requires https discovery in production", () => {
    const prod = {
      NODE_ENV: "production",
      BETTER_AUTH_SECRET: "k3Jx9vQ2mL7pR4tY8wZ1aB5cD6eF0gH2",
      SMTP_URL: "smtp://mail:25",
    };
    const plain = JSON.stringify([{ ...acme, discoveryUrl: "http://idp.internal/.well-known/openid-configuration" }]);
    expect(() => loadEnv({ ...prod, OIDC_PROVIDERS: plain })).toThrow(/"acme": discoveryUrl must use https/);
    expect(loadEnv({ ...prod, OIDC_PROVIDERS: JSON.stringify([acme]) }).OIDC_PROVIDERS).toHaveLength(1);
  });
});
