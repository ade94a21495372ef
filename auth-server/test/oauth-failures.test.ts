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
  signInError,
  startFlow,
} from "./support/oauth-flow.js";
import { type RunningOidcProvider, startOidcProvider } from "./support/oidc-provider.js";

const person = { email: "pat@example.com", emailVerified: true, name: "Pat" };

/**
 * Every way a provider round trip can go wrong ends the same way: a 302 to the web app with one
 * code, no session cookie, and not one row written to users, accounts or sessions.
 */
describe.each(DB_KINDS)("OAuth callback failures on %s", (kind) => {
  let acme: RunningOidcProvider;
  let other: RunningOidcProvider;
  let rogue: RunningOidcProvider;
  let flaky: RunningOidcProvider;
  let late: RunningOidcProvider | undefined;
  let latePort: number;
  let s: TestServer;

  beforeAll(async () => {
    acme = await startOidcProvider({ accounts: { pat: person }, clients: [clientFor("acme")] });
    other = await startOidcProvider({ accounts: { pat: person }, clients: [clientFor("other")] });
    // Serves its discovery at 127.0.0.1 but announces http://localhost:<port> as its issuer.
    rogue = await startOidcProvider({
      accounts: { pat: person },
      clients: [clientFor("rogue")],
      issuerHost: "localhost",
    });
    flaky = await startOidcProvider({ accounts: { pat: person }, clients: [clientFor("flaky")] });
    // Down when the auth server starts: take a free port and leave it closed for now.
    const probe = await startOidcProvider({ accounts: {}, clients: [] });
    latePort = probe.port;
    await probe.stop();
    s = await startTestServer(kind, {
      OIDC_PROVIDERS: JSON.stringify([
        oidcEntry("acme", "Acme", acme.discoveryUrl),
        oidcEntry("other", "Other", other.discoveryUrl),
        oidcEntry("rogue", "Rogue", rogue.discoveryUrl),
        oidcEntry("flaky", "Flaky", flaky.discoveryUrl),
        oidcEntry("late", "Late", `http://127.0.0.1:${latePort}/.well-known/openid-configuration`),
      ]),
    });
    // The first user exists, so "nothing written" also covers linking to an existing user.
    await fullFlow(browserFor(s), "acme", "pat");
  });
  afterAll(async () => {
    await s.close();
    for (const op of [acme, other, rogue, flaky, late]) await op?.stop();
  });

  /** Asserts a clean refusal: 302 to {ORIGIN}/sign-in?error=<code>, no session, nothing written. */
  async function expectRefused(
    deliver: () => Promise<{ status: number; location: URL }>,
    code: string,
    cookieHost = () => "",
  ): Promise<void> {
    const before = await identityRows(s);
    const { status, location } = await deliver();
    expect(status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(`${ORIGIN}/sign-in`);
    expect(signInError(location)).toBe(code);
    expect([...location.searchParams.keys()]).toEqual(["error"]);
    expect(cookieHost()).not.toContain("session_token");
    expect(await identityRows(s)).toEqual(before);
  }

  it("state mismatch: a callback finished in a browser that did not start the flow", async () => {
    const victim = browserFor(s);
    const url = await startFlow(victim, "acme");
    const callback = await authorizeAtProvider(victim, url, "pat");
    const attacker = browserFor(s);
    await expectRefused(
      () => deliverCallback(attacker, callback),
      "STATE_MISMATCH",
      () => attacker.cookieHeader(new URL(AUTH_URL)),
    );
  });

  it("state mismatch: a forged state value", async () => {
    const b = browserFor(s);
    const callback = await authorizeAtProvider(b, await startFlow(b, "acme"), "pat");
    callback.searchParams.set("state", "forged-state-value-0123456789abcdef");
    await expectRefused(
      () => deliverCallback(b, callback),
      "STATE_MISMATCH",
      () => b.cookieHeader(new URL(AUTH_URL)),
    );
  });

  it("replay: the same callback URL delivered twice", async () => {
    const b = browserFor(s);
    const callback = await authorizeAtProvider(b, await startFlow(b, "acme"), "pat");
    const first = await deliverCallback(b, callback);
    expect(first.location.toString()).toBe(`${ORIGIN}/dashboard`);
    await expectRefused(() => deliverCallback(b, callback), "STATE_MISMATCH");
  });

  it("replay: a used code injected into a new flow", async () => {
    const b = browserFor(s);
    const used = await authorizeAtProvider(b, await startFlow(b, "acme"), "pat");
    await deliverCallback(b, used);
    const fresh = await authorizeAtProvider(b, await startFlow(b, "acme"), "pat");
    fresh.searchParams.set("code", used.searchParams.get("code") ?? "");
    await expectRefused(() => deliverCallback(b, fresh), "INVALID_CODE");
  });

  it("PKCE: a stolen, unused code injected into the thief's own flow", async () => {
    const victim = browserFor(s);
    const stolen = await authorizeAtProvider(victim, await startFlow(victim, "acme"), "pat");
    const thief = browserFor(s);
    const own = await authorizeAtProvider(thief, await startFlow(thief, "acme"), "pat");
    own.searchParams.set("code", stolen.searchParams.get("code") ?? "");
    await expectRefused(
      () => deliverCallback(thief, own),
      "INVALID_CODE",
      () => thief.cookieHeader(new URL(AUTH_URL)),
    );
  });

  it("wrong issuer: the callback names another provider as its issuer (mix-up)", async () => {
    const b = browserFor(s);
    const callback = await authorizeAtProvider(b, await startFlow(b, "acme"), "pat");
    callback.searchParams.set("iss", other.issuer);
    await expectRefused(() => deliverCallback(b, callback), "ISSUER_MISMATCH");
  });

  it("wrong issuer: discovery announces an issuer other than the one it is served from", async () => {
    const b = browserFor(s);
    const res = await b.request(`${AUTH_URL}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ provider: "rogue", callbackURL: `${ORIGIN}/dashboard` }),
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: "ISSUER_MISMATCH", message: expect.any(String) });
    // A callback for it (a flow started before the provider changed) is refused too.
    const callback = new URL(`${AUTH_URL}/api/auth/callback/rogue?code=abc&state=def`);
    await expectRefused(() => deliverCallback(b, callback), "ISSUER_MISMATCH");
  });

  it("user denies consent at the provider", async () => {
    const b = browserFor(s);
    const url = await startFlow(b, "other");
    await expectRefused(
      async () => deliverCallback(b, await authorizeAtProvider(b, url, "pat", "deny")),
      "ACCESS_DENIED",
    );
  });

  it("user cancels at the provider's login page", async () => {
    const b = browserFor(s);
    const url = await startFlow(b, "other");
    await expectRefused(
      async () => deliverCallback(b, await authorizeAtProvider(b, url, "pat", "cancel-login")),
      "ACCESS_DENIED",
    );
  });

  it("an error and description chosen by the sender are not echoed", async () => {
    const b = browserFor(s);
    const url = await startFlow(b, "acme");
    const callback = new URL(`${AUTH_URL}/api/auth/callback/acme`);
    callback.searchParams.set("state", url.searchParams.get("state") ?? "");
    callback.searchParams.set("error", "<script>alert(1)</script>");
    callback.searchParams.set("error_description", "Your account is locked, call +1 555 0100");
    await expectRefused(() => deliverCallback(b, callback), "OAUTH_FAILED");
  });

  it("an error page outside the trusted origins is refused at the start, and replaced at the callback", async () => {
    // better-auth's origin check refuses such an errorCallbackURL when the flow starts.
    const refused = await browserFor(s).request(`${AUTH_URL}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ provider: "other", errorCallbackURL: "https://evil.example/phish" }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "INVALID_ERROR_CALLBACK_URL" });
    // The callback route does not rely on that: a stored flow whose error page is foreign (written
    // here into the state row, standing for any way one got past the start) still lands on sign-in.
    const b = browserFor(s);
    const trusted = `${ORIGIN}/oauth-error`;
    const url = await startFlow(b, "other", { errorCallbackURL: trusted });
    const rows = await s.gh.database.db
      .selectFrom("verifications")
      .select(["id", "value"])
      .where("value", "like", `%${trusted}%`)
      .execute();
    expect(rows).toHaveLength(1);
    for (const row of rows)
      await s.gh.database.db
        .updateTable("verifications")
        .set({ value: String(row.value).replace(trusted, "https://evil.example/phish") })
        .where("id", "=", row.id)
        .execute();
    await expectRefused(
      async () => deliverCallback(b, await authorizeAtProvider(b, url, "pat", "deny")),
      "ACCESS_DENIED",
    );
  });

  it("callbacks without a flow: no parameters, unknown provider, form_post garbage", async () => {
    const b = browserFor(s);
    await expectRefused(() => deliverCallback(b, new URL(`${AUTH_URL}/api/auth/callback/acme`)), "STATE_MISMATCH");
    await expectRefused(
      () => deliverCallback(b, new URL(`${AUTH_URL}/api/auth/callback/nope?code=x&state=y`)),
      "STATE_MISMATCH",
    );
    const posted = await b.request(`${AUTH_URL}/api/auth/callback/acme`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "code=x&state=y&unexpected=%00",
    });
    expect(posted.status).toBe(302);
    const next = new URL(posted.headers.get("Location") ?? "", AUTH_URL);
    await expectRefused(() => deliverCallback(b, next), "STATE_MISMATCH");
  });

  it("provider down when the code is redeemed", async () => {
    const b = browserFor(s);
    const callback = await authorizeAtProvider(b, await startFlow(b, "flaky"), "pat");
    await flaky.stop();
    await expectRefused(() => deliverCallback(b, callback), "INVALID_CODE");
  });

  it("provider down since start: refused as unavailable, works once it is back", async () => {
    const b = browserFor(s);
    const res = await b.request(`${AUTH_URL}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ provider: "late", callbackURL: `${ORIGIN}/dashboard` }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "PROVIDER_UNAVAILABLE" });
    await expectRefused(
      () => deliverCallback(b, new URL(`${AUTH_URL}/api/auth/callback/late?code=abc&state=def`)),
      "PROVIDER_UNAVAILABLE",
    );

    late = await startOidcProvider({ port: latePort, accounts: { pat: person }, clients: [clientFor("late")] });
    const before = await identityRows(s);
    const { location } = await fullFlow(b, "late", "pat");
    expect(location.toString()).toBe(`${ORIGIN}/dashboard`);
    // Same person, same email, verified: linked to the existing user, not a new one.
    expect((await identityRows(s)).users).toBe(before.users);
  });
});
