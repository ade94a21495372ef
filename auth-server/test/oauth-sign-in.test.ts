import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, ORIGIN, startTestServer, type TestServer } from "./harness.js";
import {
  AUTH_URL,
  authorizeAtProvider,
  browserFor,
  clientFor,
  deliverCallback,
  fullFlow,
  identityRows,
  oidcEntry,
  startFlow,
} from "./support/oauth-flow.js";
import { type RunningOidcProvider, startOidcProvider } from "./support/oidc-provider.js";
import { eventually } from "./support/wait.js";

/*
 * better-auth 1.7.25 hard-codes Google's endpoints (accounts.google.com, oauth2.googleapis.com,
 * its JWKS), so the Google provider cannot be pointed at a local server. The Google stand-in below
 * is therefore a generic OIDC provider ("google-standin") behaving like Google (email claims in the
 * ID token); the real Google provider is checked up to the redirect it builds.
 */
describe.each(DB_KINDS)("OAuth sign-in against a real OpenID provider on %s", (kind) => {
  let google: RunningOidcProvider;
  let acme: RunningOidcProvider;
  let s: TestServer;

  beforeAll(async () => {
    google = await startOidcProvider({
      accounts: { "g-ada": { email: "ada@example.com", emailVerified: true, name: "Ada Lovelace" } },
      clients: [clientFor("google-standin")],
    });
    acme = await startOidcProvider({
      accounts: { "acme-grace": { email: "grace@example.com", emailVerified: true, name: "Grace Hopper" } },
      clients: [clientFor("acme")],
    });
    s = await startTestServer(kind, {
      GOOGLE_CLIENT_ID: "real-google-client.apps.googleusercontent.com",
      GOOGLE_CLIENT_SECRET: "real-google-secret",
      OIDC_PROVIDERS: JSON.stringify([
        oidcEntry("google-standin", "Google (stand-in)", google.discoveryUrl),
        oidcEntry("acme", "Acme SSO", acme.discoveryUrl),
      ]),
    });
  });
  afterAll(async () => {
    await s.close();
    await google.stop();
    await acme.stop();
  });

  it("lists the enabled providers for the sign-in page", async () => {
    const res = await s.call("/api/auth/providers");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { id: "google", name: "Google", type: "social" },
      { id: "google-standin", name: "Google (stand-in)", type: "oidc" },
      { id: "acme", name: "Acme SSO", type: "oidc" },
    ]);
  });

  it("builds the real Google redirect with PKCE and the documented redirect URI", async () => {
    const url = await startFlow(browserFor(s), "google");
    expect(url.origin).toBe("https://accounts.google.com");
    expect(url.searchParams.get("redirect_uri")).toBe(`${AUTH_URL}/api/auth/callback/google`);
    expect(url.searchParams.get("client_id")).toBe("real-google-client.apps.googleusercontent.com");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
  });

  it.each([
    ["google-standin", "g-ada", "ada@example.com", "Ada Lovelace"],
    ["acme", "acme-grace", "grace@example.com", "Grace Hopper"],
  ])("signs up with %s: code + PKCE → session → JWT the backend accepts", async (provider, sub, email, name) => {
    const b = browserFor(s);
    const authorize = await startFlow(b, provider);
    const op = provider === "acme" ? acme : google;
    expect(authorize.origin).toBe(new URL(op.issuer).origin);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${AUTH_URL}/api/auth/callback/${provider}`);

    const callback = await authorizeAtProvider(b, authorize, sub);
    expect(callback.searchParams.get("code")).toBeTruthy();
    expect(callback.searchParams.get("iss")).toBe(op.issuer);
    const { status, location } = await deliverCallback(b, callback);
    expect(status).toBe(302);
    expect(location.toString()).toBe(`${ORIGIN}/dashboard`);

    // Session cookie → session, user and the provider account.
    const cookie = b.cookieHeader(new URL(AUTH_URL));
    expect(cookie).toContain("better-auth.session_token=");
    const session = await (await s.call("/api/auth/get-session", { headers: { Cookie: cookie } })).json();
    expect(session.user).toMatchObject({ email, name, emailVerified: true });
    const accounts = await (await s.call("/api/auth/list-accounts", { headers: { Cookie: cookie } })).json();
    expect(accounts).toEqual([expect.objectContaining({ providerId: provider, accountId: sub })]);

    // The three credentials the backend accepts: the signed cookie (above), the Bearer session
    // token, and a JWT verified against the JWKS.
    const rawToken = decodeURIComponent(/better-auth\.session_token=([^;]+)/.exec(cookie)?.[1] ?? "").split(".")[0];
    const bearer = { Authorization: `Bearer ${rawToken}` };
    const viaBearer = await (await s.call("/api/auth/get-session", { headers: bearer })).json();
    expect(viaBearer.session.id).toBe(session.session.id);
    const tokenRes = await s.call("/api/auth/token", { headers: { Cookie: cookie } });
    expect(tokenRes.status).toBe(200);
    const { token: jwt } = (await tokenRes.json()) as { token: string };
    const jwks = createLocalJWKSet(await (await s.call("/api/auth/jwks")).json());
    const { payload } = await jwtVerify(jwt, jwks, { issuer: AUTH_URL, audience: AUTH_URL, algorithms: ["EdDSA"] });
    expect(payload).toMatchObject({ sub: session.user.id, sid: session.session.id, email, email_verified: true });

    // Provider tokens are stored encrypted (better-auth's hex envelope), never as issued.
    const row = await s.gh.database.db
      .selectFrom("accounts")
      .select(["access_token"])
      .where("provider_id", "=", provider)
      .executeTakeFirstOrThrow();
    expect(String(row.access_token)).toMatch(/^[0-9a-f]{100,}$/);

    // The audit trail names the provider of the sign-in (its rows are written after the answer).
    const signIns = () =>
      s.gh.database.db
        .selectFrom("auth_events")
        .select(["reason", "session_id"])
        .where("user_id", "=", session.user.id)
        .where("type", "=", "sign_in")
        .execute();
    await eventually(async () => (await signIns()).length > 0, 10_000, "the sign-in's audit row");
    const audit = await signIns();
    expect(audit).toEqual([{ reason: `oauth:${provider}`, session_id: session.session.id }]);
  });

  it("refuses a replayed ID token posted instead of the redirect flow", async () => {
    const row = await s.gh.database.db
      .selectFrom("accounts")
      .select(["id_token"])
      .where("provider_id", "=", "acme")
      .executeTakeFirstOrThrow();
    expect(String(row.id_token).split(".")).toHaveLength(3);
    const before = await identityRows(s);
    for (const provider of ["acme", "google"]) {
      const res = await s.call("/api/auth/sign-in/social", {
        method: "POST",
        json: { provider, idToken: { token: row.id_token } },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "ID_TOKEN_SIGN_IN_DISABLED" });
    }
    expect(await identityRows(s)).toEqual(before);
  });

  it("signs the same person in again without creating anything new", async () => {
    const before = await identityRows(s);
    const { location } = await fullFlow(browserFor(s), "acme", "acme-grace");
    expect(location.toString()).toBe(`${ORIGIN}/dashboard`);
    const after = await identityRows(s);
    expect(after).toEqual({ ...before, sessions: before.sessions + 1 });
  });
});
