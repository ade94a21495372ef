import { ORIGIN, type TestServer } from "../harness.js";
import { TestBrowser } from "./browser.js";
import type { OidcTestClient } from "./oidc-provider.js";

/** The auth server's public URL in tests (BETTER_AUTH_URL of the harness). */
export const AUTH_URL = "http://localhost:3000";
export const CLIENT_SECRET = "test-client-secret-0123456789";

/** The client a provider must know for the auth server to sign in with it as `providerId`. */
export function clientFor(providerId: string): OidcTestClient {
  return {
    clientId: `gatehouse-${providerId}`,
    clientSecret: CLIENT_SECRET,
    redirectUris: [`${AUTH_URL}/api/auth/callback/${providerId}`],
  };
}

/** An OIDC_PROVIDERS entry for a provider started with `clientFor(id)`. */
export function oidcEntry(id: string, name: string, discoveryUrl: string): Record<string, unknown> {
  return { id, name, discoveryUrl, clientId: `gatehouse-${id}`, clientSecret: CLIENT_SECRET };
}

/** A browser whose requests to the auth server go to `s` in-process. */
export function browserFor(s: TestServer): TestBrowser {
  return new TestBrowser([{ origin: AUTH_URL, handle: (req) => Promise.resolve(s.gh.app.request(req)) }]);
}

export interface StartOptions {
  /** `link`: link to the signed-in user (its cookie must be in the browser) instead of signing in. */
  mode?: "sign-in" | "link";
  callbackURL?: string;
  errorCallbackURL?: string;
}

/** What the web app does on a provider button: POST to the auth server, get the provider URL. */
export async function startFlow(b: TestBrowser, provider: string, opts: StartOptions = {}): Promise<URL> {
  const path = opts.mode === "link" ? "/api/auth/link-social" : "/api/auth/sign-in/social";
  const res = await b.request(`${AUTH_URL}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: ORIGIN },
    body: JSON.stringify({
      provider,
      callbackURL: opts.callbackURL ?? `${ORIGIN}/dashboard`,
      ...(opts.errorCallbackURL ? { errorCallbackURL: opts.errorCallbackURL } : {}),
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} ${res.status}: ${text}`);
  return new URL((JSON.parse(text) as { url: string }).url);
}

const isAuthServer = (u: URL): boolean => u.origin === AUTH_URL;
const isInteraction = (u: URL): boolean => u.pathname.startsWith("/interaction/");

/**
 * Plays the user at the provider: signs in as `accountId` (when asked) and allows or denies
 * consent. Returns the URL the provider sends the browser back to, not yet fetched.
 */
export async function authorizeAtProvider(
  b: TestBrowser,
  authorizationUrl: URL,
  accountId: string,
  consent: "allow" | "deny" | "cancel-login" = "allow",
): Promise<URL> {
  const stop = (u: URL): boolean => isAuthServer(u) || isInteraction(u);
  let step = await b.follow(authorizationUrl, stop);
  for (let i = 0; i < 5; i++) {
    if (isAuthServer(step.url)) return step.url;
    if (!isInteraction(step.url)) throw new Error(`provider stopped at ${step.url}: ${step.res?.status}`);
    const info = (await (await b.request(step.url, { headers: { Accept: "application/json" } })).json()) as {
      prompt: string;
    };
    let action: string;
    let form: Record<string, string> = {};
    if (info.prompt === "login") {
      action = consent === "cancel-login" ? "abort" : "login";
      form = { login: accountId };
    } else {
      action = consent === "deny" ? "abort" : "confirm";
    }
    step = await b.follow(new URL(`${step.url.pathname}/${action}`, step.url), stop, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  }
  throw new Error("provider kept asking");
}

/** Delivers the provider's redirect to the auth server; returns where the auth server sends the browser. */
export async function deliverCallback(b: TestBrowser, callbackUrl: URL): Promise<{ status: number; location: URL }> {
  const res = await b.request(callbackUrl);
  const location = res.headers.get("Location");
  if (!location) throw new Error(`callback answered ${res.status} without a redirect: ${await res.text()}`);
  return { status: res.status, location: new URL(location, AUTH_URL) };
}

/** The whole sign-in (or link) as a user clicking through; returns the final redirect. */
export async function fullFlow(
  b: TestBrowser,
  provider: string,
  accountId: string,
  opts: StartOptions & { consent?: "allow" | "deny" | "cancel-login" } = {},
): Promise<{ status: number; location: URL }> {
  const url = await startFlow(b, provider, opts);
  const callback = await authorizeAtProvider(b, url, accountId, opts.consent);
  return deliverCallback(b, callback);
}

/** Row counts of the identity tables, to prove a refused flow wrote nothing. */
export async function identityRows(s: TestServer): Promise<{ users: number; accounts: number; sessions: number }> {
  const db = s.gh.database.db;
  const count = async (table: "users" | "accounts" | "user_sessions"): Promise<number> => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return { users: await count("users"), accounts: await count("accounts"), sessions: await count("user_sessions") };
}

/** The error code of a redirect to the web app's sign-in page (or undefined when it is not one). */
export function signInError(location: URL): string | null {
  return location.origin === ORIGIN ? location.searchParams.get("error") : null;
}
