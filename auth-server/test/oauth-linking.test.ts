import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, ORIGIN, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";
import {
  AUTH_URL,
  browserFor,
  clientFor,
  fullFlow,
  identityRows,
  oidcEntry,
  signInError,
} from "./support/oauth-flow.js";
import { type RunningOidcProvider, startOidcProvider } from "./support/oidc-provider.js";
import { eventually } from "./support/wait.js";

interface AccountView {
  id: string;
  providerId: string;
  accountId: string;
}

/* "google-standin" is a generic OIDC provider standing in for Google: see oauth-sign-in.test.ts. */
describe.each(DB_KINDS)("OAuth account linking on %s", (kind) => {
  let google: RunningOidcProvider;
  let acme: RunningOidcProvider;
  let s: TestServer;

  beforeAll(async () => {
    google = await startOidcProvider({ accounts: {}, clients: [clientFor("google-standin")] });
    acme = await startOidcProvider({ accounts: {}, clients: [clientFor("acme")] });
    s = await startTestServer(kind, {
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

  const listAccounts = async (cookie: string): Promise<AccountView[]> =>
    (await s.call("/api/auth/list-accounts", { headers: { Cookie: cookie } })).json() as Promise<AccountView[]>;

  /** A browser signed in as a verified password user. */
  async function passwordUser(email: string) {
    const user = await signUpVerified(s, email);
    const b = browserFor(s);
    b.addCookies(AUTH_URL, user.cookie);
    return { ...user, b };
  }

  it("links a provider identity with a verified email to the existing password user", async () => {
    const { userId } = await signUpVerified(s, "linda@example.com");
    acme.accounts.set("acme-linda", { email: "linda@example.com", emailVerified: true });
    const before = await identityRows(s);

    const b = browserFor(s);
    const { location } = await fullFlow(b, "acme", "acme-linda");
    expect(location.toString()).toBe(`${ORIGIN}/dashboard`);

    const cookie = b.cookieHeader(new URL(AUTH_URL));
    const session = await (await s.call("/api/auth/get-session", { headers: { Cookie: cookie } })).json();
    expect(session.user.id).toBe(userId);
    expect((await listAccounts(cookie)).map((a) => a.providerId).sort()).toEqual(["acme", "credential"]);
    expect(await identityRows(s)).toEqual({ ...before, accounts: before.accounts + 1, sessions: before.sessions + 1 });
  });

  let victimSignedUp = false;
  it.each([
    ["the same address", "victim@example.com"],
    ["the same address in other case", "VICTIM@Example.COM"],
  ])("refuses an unverified provider email matching an existing user (%s) and writes nothing", async (_, claimed) => {
    if (!victimSignedUp) {
      await signUpVerified(s, "victim@example.com");
      victimSignedUp = true;
    }
    // GHSA-g38m-r43w-p2q7: the attacker controls an identity claiming the victim's address,
    // which their provider has not verified.
    acme.accounts.set("acme-mallory", { email: claimed, emailVerified: false });
    const before = await identityRows(s);

    const b = browserFor(s);
    const { status, location } = await fullFlow(b, "acme", "acme-mallory");
    expect(status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(`${ORIGIN}/sign-in`);
    expect(signInError(location)).toBe("PROVIDER_EMAIL_NOT_VERIFIED");
    expect(location.searchParams.has("error_description")).toBe(false);
    expect(b.cookieHeader(new URL(AUTH_URL))).not.toContain("session_token");
    expect(await identityRows(s)).toEqual(before);
  });

  it("refuses to create a user from an unverified provider email", async () => {
    acme.accounts.set("acme-nobody", { email: "nobody@example.com", emailVerified: false });
    const before = await identityRows(s);
    const { location } = await fullFlow(browserFor(s), "acme", "acme-nobody");
    expect(signInError(location)).toBe("PROVIDER_EMAIL_NOT_VERIFIED");
    expect(await identityRows(s)).toEqual(before);
  });

  it("does not give a verified identity to a local account whose email was never verified", async () => {
    // Someone registered the address with a password and never proved they own it.
    const up = await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "squatted@example.com", password: STRONG_PASSWORD, name: "squatter" },
    });
    expect(up.status).toBe(200);
    google.accounts.set("g-owner", { email: "squatted@example.com", emailVerified: true });
    const before = await identityRows(s);
    const { location } = await fullFlow(browserFor(s), "google-standin", "g-owner");
    expect(signInError(location)).toBe("ACCOUNT_NOT_LINKED");
    expect(await identityRows(s)).toEqual(before);
  });

  it("links a second and a third provider from the account page", async () => {
    const { b, cookie } = await passwordUser("multi@example.com");
    acme.accounts.set("acme-multi", { email: "multi@example.com", emailVerified: true });
    google.accounts.set("g-multi", { email: "multi@example.com", emailVerified: true });

    for (const [provider, sub] of [
      ["acme", "acme-multi"],
      ["google-standin", "g-multi"],
    ] as const) {
      const { location } = await fullFlow(b, provider, sub, {
        mode: "link",
        callbackURL: `${ORIGIN}/account`,
        errorCallbackURL: `${ORIGIN}/account`,
      });
      expect(location.toString()).toBe(`${ORIGIN}/account`);
    }
    const accounts = await listAccounts(cookie);
    expect(accounts.map((a) => `${a.providerId}:${a.providerId === "credential" ? "" : a.accountId}`).sort()).toEqual([
      "acme:acme-multi",
      "credential:",
      "google-standin:g-multi",
    ]);
  });

  it("refuses to link an identity whose email the provider has not verified", async () => {
    const { b, cookie } = await passwordUser("careful@example.com");
    acme.accounts.set("acme-careful", { email: "careful@example.com", emailVerified: false });
    const before = await identityRows(s);
    const { location } = await fullFlow(b, "acme", "acme-careful", {
      mode: "link",
      callbackURL: `${ORIGIN}/account`,
      errorCallbackURL: `${ORIGIN}/account`,
    });
    // Link flows return to the page that started them, with the code.
    expect(`${location.origin}${location.pathname}`).toBe(`${ORIGIN}/account`);
    expect(location.searchParams.get("error")).toBe("PROVIDER_EMAIL_NOT_VERIFIED");
    expect(await identityRows(s)).toEqual(before);
    expect((await listAccounts(cookie)).map((a) => a.providerId)).toEqual(["credential"]);
  });

  it("refuses to link an identity with another email address", async () => {
    const { b } = await passwordUser("mine@example.com");
    acme.accounts.set("acme-other", { email: "someone-else@example.com", emailVerified: true });
    const before = await identityRows(s);
    const { location } = await fullFlow(b, "acme", "acme-other", { mode: "link", callbackURL: `${ORIGIN}/account` });
    expect(signInError(location)).toBe("EMAIL_DOES_NOT_MATCH");
    expect(await identityRows(s)).toEqual(before);
  });

  it("refuses to link an identity that already belongs to another user", async () => {
    acme.accounts.set("acme-moved", { email: "first-owner@example.com", emailVerified: true });
    await fullFlow(browserFor(s), "acme", "acme-moved");
    // The provider account's address later changes to another Gatehouse user's address.
    const { b } = await passwordUser("second-owner@example.com");
    acme.accounts.set("acme-moved", { email: "second-owner@example.com", emailVerified: true });
    const before = await identityRows(s);
    const { location } = await fullFlow(b, "acme", "acme-moved", { mode: "link", callbackURL: `${ORIGIN}/account` });
    expect(signInError(location)).toBe("ACCOUNT_ALREADY_LINKED");
    expect(await identityRows(s)).toEqual(before);
  });

  it("never unlinks the last way to sign in", async () => {
    google.accounts.set("g-solo", { email: "solo@example.com", emailVerified: true });
    const b = browserFor(s);
    await fullFlow(b, "google-standin", "g-solo");
    const cookie = b.cookieHeader(new URL(AUTH_URL));
    const [only] = await listAccounts(cookie);
    const before = await identityRows(s);

    const res = await s.call("/api/auth/unlink-account", {
      method: "POST",
      headers: { Cookie: cookie },
      json: { accountId: only?.id },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "FAILED_TO_UNLINK_LAST_ACCOUNT" });
    expect(await identityRows(s)).toEqual(before);
  });

  it("unlinks a provider while another method remains, then refuses the last", async () => {
    const { b, cookie, userId } = await passwordUser("two-ways@example.com");
    acme.accounts.set("acme-two", { email: "two-ways@example.com", emailVerified: true });
    await fullFlow(b, "acme", "acme-two", { mode: "link", callbackURL: `${ORIGIN}/account` });
    const accounts = await listAccounts(cookie);
    expect(accounts).toHaveLength(2);

    const acmeRow = accounts.find((a) => a.providerId === "acme");
    const first = await s.call("/api/auth/unlink-account", {
      method: "POST",
      headers: { Cookie: cookie },
      json: { accountId: acmeRow?.id },
    });
    expect(first.status).toBe(200);
    const [credential] = await listAccounts(cookie);
    expect(credential?.providerId).toBe("credential");
    const last = await s.call("/api/auth/unlink-account", {
      method: "POST",
      headers: { Cookie: cookie },
      json: { accountId: credential?.id },
    });
    expect(last.status).toBe(400);
    expect(await last.json()).toMatchObject({ code: "FAILED_TO_UNLINK_LAST_ACCOUNT" });

    const linkEvents = () =>
      s.gh.database.db
        .selectFrom("auth_events")
        .select(["type", "reason"])
        .where("user_id", "=", userId)
        .where("type", "in", ["oauth_linked", "oauth_unlinked"])
        .orderBy("id")
        .execute();
    // Audit rows are written after the answer.
    await eventually(async () => (await linkEvents()).length >= 2, 10_000, "the link and unlink audit rows");
    const events = await linkEvents();
    expect(events).toEqual([
      { type: "oauth_linked", reason: "acme" },
      { type: "oauth_unlinked", reason: "acme" },
    ]);
  });
});
